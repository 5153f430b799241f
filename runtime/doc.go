// Package runtime is the interface between generated code and incc's
// runtime: what a generated network package names, and nothing else. Code
// that incc generates imports this package only (as rt), and every
// generated file checks at compile time that this package supports the
// version of the interface it was written for ([Version]).
//
// What it holds, for generated code:
//
//   - the engine that runs a network ([Engine], [NewEngine], [Layer],
//     [Layout], [Exec], [Slot], [LayerProfile], [CloseEngineWith],
//     [PanicError]): a worker pool running images, or one image's layers as
//     a task graph, over one arena per worker;
//   - the weights of layers as they run: [ConvSource] and [FCSource] name
//     a layer's tensors and load them folded and packed for the GEMM of
//     package runtime/gemm ([ConvWeights], [FCWeights]), [BNSource] a batch
//     norm's ([BNWeights]);
//   - the kernels generated layers call: the tiling of a GEMM's output
//     ([Grid], [Rect], [Conv], [GemmScratchLen], [GemmScratchSize]), SIMD max pooling
//     ([MaxPoolChannels], [MaxPoolScratch], [Pool2DParams], [Pad]), and
//     the reference kernels' pieces generated code must match to the bit:
//     the sums of average pooling's border cells ([SumCell]), the border
//     pixels of grouped convolutions ([ConvCell]), [Softmax], and the
//     activations of one value ([SigmoidOf], [HardSigmoidOf],
//     [HardSwishOf], [SiLUOf]);
//   - the weight manifest and the loaders of generated New, Load, Read and
//     Decode ([Weights], [Spec], [New], [CheckRequired], [LoadWeights],
//     [ReadWeights], [DecodeWeights]: package runtime/tensor's, named
//     here), and the deterministic initializer of NewSeeded ([Init],
//     [InitKind]) with the seeded input tests and benchmarks feed
//     ([SeededInput]);
//   - the version check ([Version], [MinVersion], [RuntimeTooOld],
//     [GeneratedCodeTooOld]).
//
// Beside it, each for its own audience (none is imported by generated
// code, none imports the compiler):
//
//   - runtime/ref: the reference kernels, one per kind of layer, which the
//     interpreter (compiler/interp) runs as the oracle of generated code.
//     This package uses some of them where generated code must give the
//     same bits (MaxNaN, SumCell, ConvCell, FoldBatchNorm, FoldScale,
//     BatchNormScale, Softmax, the activations' functions of one value).
//   - runtime/tensor: tensors and their files (safetensors, .npy), and the
//     checks of weights against a manifest.
//   - runtime/gemm: the packed GEMM and its SIMD kernels.
//   - runtime/preproc: images to network inputs, as torchvision does.
//   - runtime/modelcli: the command line of model binaries (incc build),
//     with runtime/bench (the benchmark loop), runtime/labels (label sets,
//     TopK) and runtime/host (the memory a run may take, MaxThreads).
//
// The split keeps this package small and stable: what generated code
// depends on is stated here, with one version, so a change to the
// interpreter's kernels, the file formats or the command line never
// touches generated code, and a change that does shows as a new Version.
//
// It imports only the standard library, golang.org/x/sys/cpu, runtime/gemm,
// runtime/ref and runtime/tensor (and, through them, internal/geom and
// the file helpers internal/regular and internal/atomicfile). It must
// never import dsl/ or compiler/ (nor participle or jennifer): a model
// binary must not link the compiler. The package name shadows the standard
// library's runtime; generated code imports it as rt.
//
// # Layout and shapes
//
// Activations are float32 in NCHW order, row-major, with a dynamic batch N.
// A slice whose length does not match the shapes a generated layer was
// compiled for is a programmer error (a checked network cannot produce
// it): kernels panic, and an [Engine] returns the panic as a [PanicError].
// Anything that comes from a file or a caller (weights, input sizes) is
// reported as a returned error instead.
package runtime

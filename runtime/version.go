package runtime

// Version is the version of the interface between generated code and this
// package: what generated code names of it, and what it means. incc's code
// generator writes the version it generates for into every file, in two
// constant declarations that compile only against a runtime that supports
// that version (here version 2):
//
//	const (
//		_ = rt.RuntimeTooOld(rt.Version - 2)
//		_ = rt.GeneratedCodeTooOld(2 - rt.MinVersion)
//	)
//
// A negative constant does not convert to an unsigned type, so code
// generated for a newer runtime than the one it is compiled with fails on
// one line,
//
//	./net_gen.go:14:23: constant -1 overflows "github.com/inccdev/incc/runtime".RuntimeTooOld
//
// (the module requires an older github.com/inccdev/incc than the incc
// that generated the code: update it, or generate with the module's own
// incc, go tool incc), and code older than the runtime supports fails with
// "constant -1 overflows …GeneratedCodeTooOld" (generate it again), instead
// of with whatever names moved in between. The scheme is protobuf-go's
// (runtime/protoimpl, EnforceVersion).
//
// Version goes up by one when generated code starts to need something new
// of this package (a name, a field, a changed meaning); MinVersion goes up
// to the version that needs it when this package stops providing what
// older generated code names. compiler/codegen's RuntimeVersion is the
// version it generates for; a test keeps it equal to Version.
//
// The versions:
//
//  1. the first interface.
//  2. grouped convolutions, a scale folded into a convolution and the
//     activations that are not a min or a max: [ConvSource.Groups],
//     [ConvSource.Scale], [ConvWeights.W], [ConvCell], [SigmoidOf],
//     [HardSigmoidOf], [HardSwishOf], [SiLUOf]. Only names were added
//     (the new fields' zero values mean what version 1 did), so code
//     generated for version 1 still builds and runs: MinVersion stays 1.
//  3. Winograd convolutions, fused epilogues and prologues, pooling and
//     weights without copies: [ConvSource.Winograd], [ConvWeights.Wino],
//     [WinogradScratchLen], [Fused] (for gemm.Packed's MulTileFused and
//     ConvTileFused), [AvgPoolChannels], [AvgPoolScratch], [ViewWeights],
//     depthwise convolutions: [DepthwiseChannels], [DepthwiseScratch],
//     [DepthwiseMaxTaps], [Conv2DParams]. Only names were added:
//     MinVersion stays 1.
//  4. a clamp (ReLU6, clamp) applied by the GEMM to each column panel:
//     [Fused]'s Clamp, Lo and Hi; a ReLU before a depthwise convolution
//     applied by it: [DepthwiseReLUChannels]. Only names and fields were
//     added (the new fields' zero values mean what version 3 did):
//     MinVersion stays 1.
//  5. local response normalisation with beta 0.75 in SIMD:
//     [LRN075Pixels]. Only a name was added: MinVersion stays 1.
//  6. batch normalisation of a channel plane in SIMD: [BatchNormPlane].
//     Only a name was added: MinVersion stays 1.
//  7. the GEMM's scratch sized by the network's longest reduction:
//     [GemmScratchSize] (GemmScratchLen grew to 549 KiB with k-blocks of
//     up to 2048). Only a name was added: MinVersion stays 1.
//  8. GEMM items numbered by row blocks: [Grid]'s ByRows. Only a field was
//     added (false means what version 7 did): MinVersion stays 1.
//  9. 7×1 convolutions in one-dimensional Winograd form: [ConvSource]'s
//     Winograd1D, [ConvWeights]'s Wino1D, [Winograd1DScratchLen]. Only
//     names and fields were added (false means what version 8 did):
//     MinVersion stays 1.
const (
	Version    = 9
	MinVersion = 1
)

// RuntimeTooOld and GeneratedCodeTooOld are the types of the version
// checks of generated code (see [Version]); nothing else uses them.
type (
	RuntimeTooOld       uint
	GeneratedCodeTooOld uint
)

// Package gemm is incc's single-precision matrix multiply, shaped for
// convolution layers: C[m×n] = act(bias + A[m×k]·B[k×n]) where A is a
// layer's weights (out channels × in·kh·kw, row-major), B the input
// activation of a 1×1 convolution (in channels × pixels) or the im2col
// matrix of a k×k one (never materialised), and C the output (out channels
// × pixels, any leading dimension, so it can be a channel slice of a
// concatenation). It imports only the standard library (and simd/archsimd
// under GOEXPERIMENT=simd); generated code and package runtime call it.
//
// # API
//
//	func Pack(a []float32, m, k int) *Packed            // once, at weight-load time
//	func (p *Packed) M() int
//	func (p *Packed) K() int
//	func (p *Packed) Kernel() string
//	func (p *Packed) MulTile(c []float32, ldc int, b []float32, ldb int,
//		n0, n1, m0, m1 int, bias []float32, relu bool, scratch []float32)
//	func (p *Packed) ConvTile(c []float32, ldc int, src []float32, g Conv,
//		n0, n1, m0, m1 int, bias []float32, relu bool, scratch []float32)
//	type Conv struct{ C, H, W, KH, KW, SH, SW int; Pad [4]int } // pad: top, left, bottom, right
//	func (g Conv) OH() int; OW() int; K() int; N() int
//	func ScratchSize(k int) int
//	func Im2col(dst, src []float32, c, h, w, kh, kw, sh, sw int, pad [4]int)
//	func Kernel() string
//
//	type Fused struct{ Res []float32; LDRes int; Scale, Shift []float32 }
//	func (p *Packed) MulTileFused(c []float32, ldc int, b []float32, ldb int,
//		n0, n1, m0, m1 int, bias []float32, relu bool, f *Fused, scratch []float32)
//	func (p *Packed) ConvTileFused(c []float32, ldc int, src []float32, g Conv,
//		n0, n1, m0, m1 int, bias []float32, relu bool, f *Fused, scratch []float32)
//
//	func PackWinograd(w []float32, m, c, tile int) *Winograd  // 3×3 weights, at load time
//	func (p *Winograd) Tile() int
//	func WinogradTiles(g Conv, tile int) int
//	func WinogradScratchSize(c, w, tile int) int
//	func (p *Winograd) ConvTile(c []float32, ldc int, src []float32, g Conv,
//		t0, t1, m0, m1 int, bias []float32, relu bool, scratch []float32)
//
//	func PackWinograd1D(w []float32, m, c int, scale []float32) *Winograd1D  // 7×1 weights
//	func Winograd1DTiles(h int) int
//	func Winograd1DScratchSize(m, c, w int) int
//	func (p *Winograd1D) ConvTile(c []float32, ldc int, src []float32, g Conv,
//		r0, r1, m0, m1 int, bias []float32, relu bool, scratch []float32)
//
// MulTile computes rows [m0, m1) × columns [n0, n1) of C from a row-major B
// (1×1 convolutions with stride 1 and no padding; a fully connected layer
// at batch 1 is n = 1, ldb = 1); ConvTile does the same for a convolution
// of the image src (C×H×W), packing B's panels straight from it. Bias (nil:
// zero) and ReLU are fused. Neither allocates: each goroutine passes its
// own scratch of ScratchSize(k) floats (140 624 floats, 549 KiB, for any
// k ≥ 2048). A Packed is read-only and shared by all goroutines.
//
// MulTileFused and ConvTileFused fuse a layer's memory-bound neighbours
// into the product (see [Fused]): a residual added before the ReLU (a
// ResNet block's addition: by the block kernels as they store, or to each
// column panel of C while it is in cache), and for MulTile a batch norm + ReLU applied to B while it is
// packed (DenseNet's pre-activation). Both give the bits of
// runtime.Add/ReLU and runtime.BatchNorm/ReLU run as layers of their own
// (TestFusedMatchesRuntime). Winograd.ConvTile computes a 3×3 stride-1
// convolution with Winograd's F(4×4, 3×3) or F(2×2, 3×3) (winograd.go):
// tiles [t0, t1) of 4×4 or 2×2 output pixels (WinogradTiles, row by row)
// instead of pixel columns; the same C, bias and ReLU. Winograd1D.ConvTile
// computes a 7×1 one (stride 1, padding 3 above and below) in
// one-dimensional form, F(4, 3) on taps 0–2 and 3–5 and a 1×1 product for
// tap 6 (winograd1d.go): tile rows [r0, r1) of 4 output rows
// (Winograd1DTiles), 4 multiply-adds an output per input channel instead
// of 7.
//
// # Determinism
//
// Every element of C is summed in one fixed order: it starts from its bias
// and adds a[i][l]·b[l][j] for l = 0, 1, …, k-1, one fused multiply-add per
// term in the SIMD kernels. k is never split across calls or threads, the
// k-blocks have fixed boundaries, and partial sums live in C as float32,
// exactly what the registers held. So disjoint tiles can run on any
// goroutines in any order and C is bit-identical whatever the tiling and
// thread count (TestTilingInvariance, TestConcurrentTiles). The assembly
// and simd/archsimd kernels agree bit for bit with each other
// (TestFMASetsAgree); the scalar kernel rounds products separately, so it
// agrees with them to float32 rounding only.
//
// Splitting work: prefer column (pixel) tiles whose bounds are multiples of
// 16 (ideally 48); each call packs the B columns it reads, so row tiles of
// one convolution on several goroutines pack the same panels twice (1×1
// layers read B in place and split either way for free). For n = 49 (7×7)
// split rows, or columns at 16/32.
//
// # Packed layouts
//
// A: ⌈m/mr⌉ panels of mr rows (mr = 8 for the assembly kernels), each
// stored column by column — data[(p·k + l)·mr + r] = A[p·mr + r][l] — zero
// rows filling the last panel; the micro-kernel reads one panel's k-block
// as a contiguous stream of mr-float columns.
//
// B (ConvTile, and narrow panels of MulTile): for each k-block (≤ 2048
// rows; k split evenly, e.g. 4608 = 3×1536) and panel of ≤ 48 columns, a
// kc×W row-major block in scratch, W = 16, 32 or 48 (zero-padded): 384 KiB
// at most, read from L2 while every A panel of the tile streams over it
// (blocks of 256, which kept it in L1, were 2–9 % slower: each k-block
// after the first loads and stores C again; see kcMax). Full
// 48-column panels of MulTile are not packed: the kernel reads B's rows in
// place (ldb apart) — packing them cost 10–15 % on 1×1 layers.
//
// Loop order (mul in gemm.go): k-block → 48-column panel (pack) → 8-row A
// panel → micro-kernel. Columns left over beyond a multiple of 16, when ≤ 4
// (n = 196 = 4·48 + 4, n = 49 = 48 + 1, n = 1), go to column kernels. A
// tile of ≤ 64 columns (n = 49, 64: two panels at most) swaps the loops
// (groups of 8 A panels outside) so that its weights are read from memory
// once (+20 % at n = 49 with cold weights).
//
// # Kernels and dispatch
//
// Pack picks the first kernel set of this list that the CPU and build
// support (Kernel names it; TestKernelName logs the list):
//
//   - avx512-asm-8x48 (amd64, Go assembly; no build flag needed; off with
//     -tags purego) where golang.org/x/sys/cpu finds AVX-512F, FMA and the
//     OS saving the ZMM state.
//     Micro-kernels 8×48, 8×32, 8×16: 24 ZMM accumulators, the B row in 3
//     ZMM (two alternating sets), each A value broadcast from memory
//     (VBROADCASTSS) into a scratch register feeding 3 VFMADD231PS, k loop
//     unrolled by 4. Column kernels kcolP×C (C ≤ 4 columns × P ≤ 8 panels,
//     YMM along the rows, P·C independent FMA chains) for narrow tails and
//     matrix-vector products. im2col packing in assembly too (pack_amd64.s):
//     per (ky, kx) a table of masked 16-float moves applied to every
//     channel (≥ 8 channels per (ky, kx)), or one table of output-pixel
//     runs for all rows with the padding masks computed per lane (conv1:
//     3 channels); stride 2 by two masked loads and VPERMT2PS.
//     kernel_amd64.s and kernel_decl_amd64.go are written by mkasm.go (go
//     generate), which also writes the shapes measured to choose this one
//     (-all, into a scratch package); pack_amd64.s is hand-written.
//   - avx512-simd-4x32 and avx2-simd-4x16 (GOEXPERIMENT=simd, amd64):
//     simd/archsimd kernels in plain Go (simd_kernels_amd64.go, written by
//     mksimd.go), 4×32 / 4×16 (Float32x16) and 4×16 / 4×8 (Float32x8).
//     They run on CPUs without AVX-512 (AVX2+FMA) or with -tags purego.
//   - scalar-4x4: portable Go, every GOARCH; also the reference path.
//
// # Building the fast path
//
// On amd64 the assembly set is used by a plain `go build`; GOEXPERIMENT=simd
// adds the archsimd sets (and needs `//go:build goexperiment.simd && amd64`
// on files that use them), which matter only on AVX2-only machines:
//
//	go test ./runtime/gemm                            # asm + scalar
//	GOEXPERIMENT=simd go test ./runtime/gemm          # asm + archsimd + scalar
//	GOEXPERIMENT=simd go test -tags purego ./runtime/gemm
//	go generate ./runtime/gemm                        # rewrite the .s and archsimd kernels
//
// # Measured (AMD EPYC Zen 5, one core, 271 GFLOP/s FMA peak; shared machine)
//
// Micro-kernels alone, operands in L1, k = 256 (BenchmarkMicroKernel and
// mkasm -all): asm 8×48 258 GFLOP/s (95 %; 97–99 % best-of-N), 12×32 and
// 14×32 ≈ 270 best-of-N, 6×64 269, 8×48 with {1to16} memory-broadcast FMAs
// 236 (87 %), 24×16 and 28×16 257–261, 4×96 213; archsimd AVX-512 4×32 165
// (61 %; 6×32 92 and 12×16 73: spills and a VFMADD213PS copy per FMA);
// archsimd AVX2 4×16 85; scalar 4×4 4.8.
//
// GoogLeNet (torchvision) trunk GEMMs, one goroutine, batch 1, bias and
// ReLU fused, im2col packing included (2026-11-26; medians of 5,
// BenchmarkGEMM's cpu-GFLOP/s, i.e. by the thread's CPU time: the machine
// was shared, and wall-clock medians of some layers were 1.5–2× slower
// while other jobs ran):
//
//	layer (m×k×n)                         GFLOP/s  % of peak
//	conv1 7×7/2 (64×147×12544)              180      67   im2col stride 2, m = 64
//	conv2 1×1 (64×64×3136)                  234      86
//	conv3 3×3 (192×576×3136)                225      83
//	inception3a 1×1 (64×192×784)            249      92   1×1 at 28×28: 238–250
//	inception3a 3×3 (128×864×784)           225      83   3×3 at 28×28: 217–225
//	inception4e 3×3 (320×1440×196)          225      83   1×1 at 14×14: 230–242
//	inception5b 1×1 (384×832×49)            229      84   1×1 at 7×7: 222–231
//	inception5b 3×3 (384×1728×49)           215      79
//	small 3×3 (b3.1: m 32–128, k 144–432)   179–217  66–80
//	fc (1000×1024×1)                         41      15   reads 4 MB of weights once
//
// Sum over the 58 GEMMs (per layer the best / median of 20–30 rounds by
// thread CPU time, with a round-robin harness since replaced by
// BenchmarkGEMM's cpu- metrics over -count runs): 13.9 / 14.6 ms with each
// layer repeated (warm weights), 13.6 / 14.4 ms run once per round in
// network order with shared activation buffers (weights cold, as in an
// inference; what BenchmarkGoogLeNet runs). BenchmarkGoogLeNet, the 58 in a row: 15.0 ms wall, 199
// GFLOP/s (74 % of peak). ONNX Runtime takes 12.95 ms for the whole
// network on one thread. The simd/archsimd sets: 49 ms (AVX-512 4×32) and
// 69 ms (AVX2 4×16) for the same 58 GEMMs (~100 and ~62 GFLOP/s by CPU
// time); scalar 0.67 s.
//
//	GOEXPERIMENT=simd go test ./runtime/gemm -run '^$' -bench . -count 5 | benchstat -
//	go test ./runtime/gemm -run '^$' -bench 'GEMM$' -count 20 | benchstat -   # per-layer table
//	go test ./runtime/gemm -run '^$' -bench 'GEMM$|Pack' -count 5               # packing's share
//
// Where the rest goes: im2col packing (BenchmarkPack: 4–8 % of a large 3×3
// layer, 15–25 % of the small b3.1 ones and of conv1, whose stride-2 gathers are amortised
// over only 8 A panels), lanes wasted on 14×14 and 7×7 outputs (196 = 4·48
// + 4, 49 = 48 + 1: the column kernels take the remainder), and the first
// pass over cold weights (the kernels prefetch A 2 KiB ahead: +4–6 %).
//
// # Winograd
//
// A 3×3 stride-1 convolution cut into t×t output tiles (winograd.go) costs
// (t+2)² instead of 9t² multiply-adds per tile, input and output channel:
// F(4×4, 3×3), 36 for 144, and F(2×2, 3×3), 16 for 36. The weights are
// transformed once (G g Gᵀ, in float64) and packed as (t+2)² M×C
// matrices; per block of ≤ 48 tiles, the input transform (Bᵀ d B) writes
// (t+2)² C×48 matrices, the micro-kernels above multiply them ((t+2)²
// GEMMs per 64 output channels), and the output transform (Aᵀ M A, + bias,
// ReLU) writes the t×t pixels. The transforms run 16 tiles per vector:
// tiles of several tile rows share a vector (one phantom lane after each
// row, dropped by VCOMPRESSPS on the way out of the input transform and
// spread over by VEXPANDPS on the way into the output transform), so
// outputs of 28×28 (7 tiles of 4 a row) or 14×14 (4) fill the lanes; the
// input transform reads the image with masked loads (padding without a
// copy). The Go and assembly transforms do the same float32 operations (by
// 2, 4 and 8 exact, by 5 rounded and then added): same bits
// (TestWinogradKernelsAgree). Error of F(4×4): ≤ 3e-6 of Σ|terms| per
// layer (TestWinogradConv), 4e-6 to 2e-5 of the largest output for C = 64
// to 512 against 1e-6 to 2e-6 for the direct convolution, not growing
// along a chain of 8–16 layers; F(2×2) is closer to the direct one.
//
// Measured side by side (BenchmarkWinograd: all three in each iteration,
// by thread CPU time, GFLOP/s of the direct convolution's multiply-adds
// for all; medians of 3 runs, 2026-12-06, machine shared, load 3–13):
//
//	layer (M×C, output)                  direct  F(4×4)  F(2×2)
//	conv3 (192×64, 56×56)                 164     349     245
//	inception3a.b2.1 (128×96, 28×28)      175     437     313
//	inception3b.b2.1 (192×128, 28×28)     170     343     290
//	inception3b.b3.1 (96×32, 28×28)       156     274     226
//	inception4a–4e.b2.1 (14×14)       145–165  180–253  216–241
//	inception4a–4e.b3.1 (14×14)       107–160  99–200   122–212
//	inception5a/5b (7×7)              120–156   50–74   104–167
//	resnet50 layer1/2 conv2 (56, 28)  151–170  331–427  238–274
//	resnet50 layer3 conv2 (256×256, 14×14)  160  249     212
//	resnet50 layer4 conv2 (512×512, 7×7)  140      56      97
//	vgg11 112×112 … 28×28 (5 layers)  151–175  365–465  253–324
//	vgg11 14×14 (512×512)                 160     186     224
//	densenet121 conv2 (32×128, 56/28/14)  111–136  113–238  156–199
//	inception_v3 stem and 35×35       104–163  192–372  143–247
//
// F(4×4) wins wherever the output has 28×28 pixels or more (≥ 49 tiles of
// 4), F(2×2) mostly at 14×14 (49 tiles of 2; the 36 GEMMs of F(4×4) there
// have 16 columns and its weights, 4× the direct ones, are read once per
// image), the direct convolution at 7×7 and 8×8, where F(2×2) has 16
// tiles. So the rule: F(4×4) if WinogradTiles(g, 4) ≥ 49, else F(2×2) if
// WinogradTiles(g, 2) ≥ 49, else direct.
//
//	go test ./runtime/gemm -run '^$' -bench Winograd -count 3
//
// # Fused operations
//
// BenchmarkFused, one goroutine, bias and ReLU, cpu-GFLOP/s of the GEMM
// (same run): ResNet-50's expanding 1×1 convolutions with the residual
// addition and ReLU as a Go loop after the GEMM (as generated code has it)
// 51–138, fused 116–157 (layer1: 4.4 → 1.5 ms); DenseNet-121's bottleneck
// 1×1 convolutions after a batch norm + ReLU pass 80–100, fused 145–158.
// The block kernels then took the residual into their store (flagRes):
// the layer's time over the same product without a residual went from
// 1.05–1.23 to 1.01–1.09 (MulTile, hot weights: Xception's 728×728×361
// 1.055 → 1.01, Inception-ResNet-v2's 1088×384×289 1.07 → 1.02 and
// 320×128×1225 1.23 → 1.09, ResNet-50's 1024×256×196 1.095 → 1.03 and
// 2048×512×49 1.06 → 1.045).
//
//	go test ./runtime/gemm -run '^$' -bench Fused -count 3
package gemm

// Macros shared by the AVX-512 assembly of packages gemm and runtime
// (#include "clamp_amd64.h" here, "gemm/clamp_amd64.h" from runtime).

// CLAMP sets t = min(max(v, lo), hi), v itself where v is NaN (payload
// and all): Go's min(max(v, lo), hi) bit for bit as long as lo is not −0
// and hi not ±0, where VMAXPS and VMINPS break ties of zeros unlike Go
// (callers clamp those in Go: gemm's kernelClamps, runtime's depthwise).
// k is a scratch mask; v is left as it was.
#define CLAMP(v, lo, hi, t, k) \
	VMAXPS  lo, v, t    \
	VMINPS  hi, t, t    \
	VCMPPS  $3, v, v, k \ // k = v is NaN (UNORD_Q)
	VMOVAPS v, k, t

// LOWLANES sets k to the low CX lanes (CX from 0 to 16): the lanes of a
// last partial vector. AX is scratch.
#define LOWLANES(k) \
	MOVL  $1, AX \
	SHLL  CX, AX \
	DECL  AX     \
	KMOVW AX, k

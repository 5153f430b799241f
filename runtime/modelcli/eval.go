package modelcli

import (
	"cmp"
	"encoding/json"
	"fmt"
	"image"
	"io"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/inccdev/incc/internal/numfmt"
	"github.com/inccdev/incc/internal/safetext"
	"github.com/inccdev/incc/runtime/host"
	"github.com/inccdev/incc/runtime/preproc"
)

// evalResult is what eval measures; --json prints it.
type evalResult struct {
	Model     string  `json:"model"`
	Images    int     `json:"images"`
	Correct   int     `json:"correct"`
	Accuracy  float64 `json:"accuracy"` // percent
	Failures  int     `json:"failures"` // images whose output is not finite, counted as wrong
	Seconds   float64 `json:"seconds"`  // preprocessing and inference
	PerSecond float64 `json:"images_per_second"`
	Batch     int     `json:"batch"`
	Threads   int     `json:"threads"`
}

func (c *cli) eval(args []string) error {
	fs := c.flags("eval", "[flags] IMAGES.idx[.gz] LABELS.idx[.gz]")
	show := fs.Int("show", 0, "draw `N` digits with their true and predicted labels, misclassified ones first")
	limit := fs.Int("limit", 0, "evaluate only the first `N` images")
	batch := fs.Int("batch", 64, "`N` images per inference batch")
	threads := fs.Int("threads", 0, "`T` threads (default: the build's --threads, else all CPUs)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) != 2:
		return c.usageErr(fs, "want an images file and a labels file, got %d arguments", len(pos))
	case *show < 0 || *limit < 0:
		return c.usageErr(fs, "--show and --limit must not be negative")
	case *batch < 1:
		return c.usageErr(fs, "--batch must be at least 1, got %d", *batch)
	}
	cfg, err := c.preprocess(0)
	if err != nil {
		return err
	}
	nt := c.threads(*threads)
	if err := c.fitFlags(fs, nt, *batch); err != nil {
		return err
	}
	inLen, outLen := c.m.inputLen(), c.m.outputLen()
	// Only the first --limit images and labels are read. Before the
	// images are, the run's memory is estimated from the header: the
	// images, their labels and predictions, the batch's tensors.
	fits := func(dims []int, bytes int64) error {
		k := int64(dims[0])
		if *limit > 0 {
			k = min(k, int64(*limit))
		}
		need := host.AddBytes(bytes, host.MulBytes(k, 1+8))
		need = host.AddBytes(need, host.MulBytes(int64(*batch), c.m.imageBytes()))
		need = host.AddBytes(need, host.MulBytes(int64(nt), c.m.ThreadBytes))
		need = host.AddBytes(need, 2*int64(len(c.m.Weights)))
		return c.fits(need, "%s images of %dx%d", numfmt.Thousands(k), dims[1], dims[2])
	}
	imgs, err := readIDX(pos[0], idxRead{ndims: 3, limit: *limit, fits: fits})
	if err != nil {
		return err
	}
	labels, err := readIDX(pos[1], idxRead{ndims: 1, limit: *limit})
	if err != nil {
		return err
	}
	n, h, w := imgs.dims[0], imgs.dims[1], imgs.dims[2]
	if labels.count != imgs.count {
		return fmt.Errorf("%s holds %d labels, %s holds %d images", pos[1], labels.count, pos[0], imgs.count)
	}
	classes := c.m.outputLen()
	for i, l := range labels.data {
		if int(l) >= classes {
			return fmt.Errorf("%s: label %d of image %d is not a class of %s (%d classes)", pos[1], l, i, c.m.Name, classes)
		}
	}
	if maxPx := cmp.Or(cfg.MaxPixels, preproc.DefaultMaxPixels); int64(h)*int64(w) > int64(maxPx) {
		return fmt.Errorf("%s: images of %dx%d are larger than %d pixels", pos[0], h, w, maxPx)
	}
	net, err := c.open(nt)
	if err != nil {
		return err
	}
	defer net.Close()

	*batch = min(*batch, n) // no room for images that are not there
	src := make([]float32, *batch*inLen)
	dst := make([]float32, *batch*outLen)
	pred := make([]int, n)
	gray := func(i int) *image.Gray {
		return &image.Gray{Pix: imgs.data[i*h*w : (i+1)*h*w], Stride: w, Rect: image.Rect(0, 0, w, h)}
	}
	var bar *progress
	if isTerminal(c.stderr) && !*asJSON {
		bar = newProgress(c.stderr, n)
	}
	start := time.Now()
	correct, failures := 0, 0
	for lo := 0; lo < n; lo += *batch {
		k := min(*batch, n-lo)
		if err := tensors(cfg, k, inLen, src, func(i int) image.Image { return gray(lo + i) }); err != nil {
			return err
		}
		if err := net.Infer(dst[:k*outLen], src[:k*inLen], k); err != nil {
			return err
		}
		for i := range k {
			out := dst[i*outLen : (i+1)*outLen]
			if checkOutput("output", out) != nil {
				pred[lo+i] = noClass
				failures++
				continue
			}
			p := argmax(out)
			pred[lo+i] = p
			if p == int(labels.data[lo+i]) {
				correct++
			}
		}
		bar.set(lo + k)
	}
	secs := time.Since(start).Seconds()
	bar.done()
	r := evalResult{Model: c.m.Name, Images: n, Correct: correct, Accuracy: 100 * float64(correct) / float64(n),
		Failures: failures, Seconds: secs, PerSecond: float64(n) / secs, Batch: *batch, Threads: nt}
	// Images whose output is not finite are failures: counted as wrong,
	// reported, and the exit code is 1.
	var failErr error
	if failures > 0 {
		first := slices.Index(pred, noClass)
		fmt.Fprintf(c.stderr, "%s: %s of %d: the network's output is not finite (counted as wrong; the first is image %d)\n",
			c.prog, plural(failures, "image"), n, first)
		failErr = failed{failures}
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
		return failErr
	}
	fmt.Fprintf(c.stdout, "%s: %d images of %dx%d from %s, labels from %s\n", c.m.Name, n, h, w, safetext.Quote(pos[0]), safetext.Quote(pos[1]))
	if *show > 0 {
		var shown []digit
		for _, i := range pick(pred, labels.data[:n], *show) {
			shown = append(shown, digit{img: gray(i), index: i, truth: c.className(int(labels.data[i])), pred: c.className(pred[i])})
		}
		fmt.Fprintln(c.stdout)
		drawDigits(c.stdout, shown, 90)
		fmt.Fprintln(c.stdout)
	}
	fmt.Fprintf(c.stdout, "accuracy: %d/%d = %.2f%%", r.Correct, r.Images, r.Accuracy)
	if r.Failures > 0 {
		fmt.Fprintf(c.stdout, " (%s with an output that is not finite, counted as wrong)", plural(r.Failures, "image"))
	}
	fmt.Fprintln(c.stdout)
	fmt.Fprintf(c.stdout, "throughput: %.0f images/s (%.2f s, batch %d, %d threads, preprocessing included)\n", r.PerSecond, r.Seconds, r.Batch, r.Threads)
	return failErr
}

// noClass is the prediction for an image whose output is not finite.
const noClass = -1

// className is a class's label, or its number.
func (c *cli) className(i int) string {
	if i == noClass {
		return "none (output not finite)"
	}
	if l := c.label(i); l != "" {
		return l
	}
	return fmt.Sprint(i)
}

// pick chooses up to n images to show: the first misclassified ones (at
// most half, rounded up), then the first images, in index order.
func pick(pred []int, truth []byte, n int) []int {
	n = min(n, len(pred))
	chosen := map[int]bool{}
	for i := range pred {
		if len(chosen) >= (n+1)/2 {
			break
		}
		if pred[i] != int(truth[i]) {
			chosen[i] = true
		}
	}
	for i := 0; len(chosen) < n; i++ {
		chosen[i] = true
	}
	var out []int
	for i := range pred {
		if chosen[i] {
			out = append(out, i)
		}
	}
	return out
}

// tensors preprocesses k images into src in parallel.
func tensors(cfg preproc.Config, k, inLen int, src []float32, img func(i int) image.Image) error {
	workers := min(goruntime.GOMAXPROCS(0), k)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < k; i += workers {
				if err := safely(func() error { return cfg.Tensor(src[i*inLen:(i+1)*inLen], img(i)) }); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// digit is an image to draw with its labels.
type digit struct {
	img         *image.Gray
	index       int
	truth, pred string
}

// drawDigits draws grayscale images side by side in rows that fit width
// columns, one character for two pixel rows (▀ ▄ █), with a caption.
func drawDigits(w io.Writer, ds []digit, width int) {
	if len(ds) == 0 {
		return
	}
	cw := ds[0].img.Rect.Dx()
	for _, d := range ds {
		cw = max(cw, d.img.Rect.Dx(), 18)
	}
	per := max(1, (width+2)/(cw+2))
	for lo := 0; lo < len(ds); lo += per {
		row := ds[lo:min(lo+per, len(ds))]
		var caps, marks []string
		rows := 0
		for _, d := range row {
			caps = append(caps, pad(fmt.Sprintf("#%d true %s", d.index, d.truth), cw))
			mark := "pred " + d.pred
			if d.pred != d.truth {
				mark += "  ✗ wrong"
			}
			marks = append(marks, pad(mark, cw))
			rows = max(rows, (d.img.Rect.Dy()+1)/2)
		}
		fmt.Fprintln(w, strings.TrimRight(strings.Join(caps, "  "), " "))
		fmt.Fprintln(w, strings.TrimRight(strings.Join(marks, "  "), " "))
		for y := range rows {
			var line []string
			for _, d := range row {
				line = append(line, pad(halfBlocks(d.img, 2*y), cw))
			}
			fmt.Fprintln(w, strings.TrimRight(strings.Join(line, "  "), " "))
		}
		if lo+per < len(ds) {
			fmt.Fprintln(w)
		}
	}
}

// halfBlocks renders pixel rows y and y+1 of img as one line of text.
func halfBlocks(img *image.Gray, y int) string {
	const on = 96
	var b strings.Builder
	r := img.Rect
	for x := r.Min.X; x < r.Max.X; x++ {
		top := img.GrayAt(x, r.Min.Y+y).Y >= on
		bottom := y+1 < r.Dy() && img.GrayAt(x, r.Min.Y+y+1).Y >= on
		switch {
		case top && bottom:
			b.WriteString("█")
		case top:
			b.WriteString("▀")
		case bottom:
			b.WriteString("▄")
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// pad pads s with spaces to n runes.
func pad(s string, n int) string {
	if k := n - len([]rune(s)); k > 0 {
		return s + strings.Repeat(" ", k)
	}
	return s
}

package modelcli

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	rt "github.com/inccdev/incc/runtime"
	"github.com/inccdev/incc/runtime/bench"
	"github.com/inccdev/incc/runtime/host"
	"github.com/inccdev/incc/runtime/preproc"
)

// fakeNet classifies a 1×H×W image by its mean brightness: class k for a
// uniform gray image of value 25·k (see grayPNG). Its side head "aux"
// predicts the class above. An image brighter than 245 (white) gets a NaN
// score for class 3, as a network with a NaN weight would give.
type fakeNet struct {
	closed *bool
}

const fakeMean, fakeStd = 0.5, 0.25

func (f fakeNet) scores(dst, src []float32, n, shift int) {
	per := len(src) / max(n, 1)
	for b := range n {
		var sum float64
		for _, x := range src[b*per : (b+1)*per] {
			sum += float64(x)
		}
		v := (sum/float64(per)*fakeStd + fakeMean) * 255
		for k := range 10 {
			dst[b*10+k] = float32(-math.Abs(v/25 - float64((k+10-shift)%10)))
		}
		if v > 245 {
			dst[b*10+3] = float32(math.NaN())
		}
	}
}

func (f fakeNet) Infer(dst, src []float32, n int) error {
	f.scores(dst, src, n, 0)
	return nil
}

func (f fakeNet) InferHeads(dst, src []float32, n int, heads [][]float32) error {
	f.scores(dst, src, n, 0)
	if len(heads) == 1 {
		f.scores(heads[0], src, n, 1)
	}
	return nil
}

func (f fakeNet) Close() { *f.closed = true }

// profiledNet is a fakeNet made with NetOptions.Profile: it reports one
// layer, as a generated Net made with Options.Profile does.
type profiledNet struct{ fakeNet }

func (profiledNet) Profile() []rt.LayerProfile {
	return []rt.LayerProfile{{Name: "fc", Time: time.Millisecond, Images: 1, FLOPs: 2e6}}
}

func (profiledNet) ResetProfile() {}

var weights = []byte("not really safetensors")

func fakeModel(t *testing.T, h, w int) *Model {
	sum := sha256.Sum256(weights)
	closed := new(bool)
	*closed = true // until New
	t.Cleanup(func() {
		if !*closed {
			t.Error("the Net was not closed")
		}
	})
	return &Model{
		Name: "fake", Spec: "fake.inc", Source: "network fake {\n    input 1x8x8\n}\n", Stats: "name  type\nfc    fc\n",
		Weights: weights, WeightsSHA256: hex.EncodeToString(sum[:]),
		Input: [3]int{1, h, w}, Output: [3]int{10, 1, 1},
		Preprocess: preproc.Config{Channels: 1, Height: h, Width: w, Mean: []float64{fakeMean}, Std: []float64{fakeStd}},
		Labels:     "mnist",
		New: func(o NetOptions) (Net, error) {
			*closed = false
			if o.Profile {
				return profiledNet{fakeNet{closed}}, nil
			}
			return fakeNet{closed}, nil
		},
	}
}

// run runs the model's command line.
func run(m *Model, args ...string) (code int, stdout, stderr string) {
	var out, errw bytes.Buffer
	code = m.Main(args, &out, &errw)
	return code, out.String(), errw.String()
}

// grayPNG writes a uniform gray PNG of value 25·class.
func grayPNG(t *testing.T, path string, class, size int) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, size, size))
	for i := range img.Pix {
		img.Pix[i] = uint8(25 * class)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	write(t, path, b.Bytes())
}

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestClassifyFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "three.png"), filepath.Join(dir, "seven.png")
	grayPNG(t, a, 3, 8)
	grayPNG(t, b, 7, 20) // resized to 8×8
	m := fakeModel(t, 8, 8)
	code, out, errw := run(m, "classify", a, b, "--top", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errw)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 || lines[0] != a || lines[3] != b {
		t.Fatalf("stdout:\n%s", out)
	}
	if f := strings.Fields(lines[1]); len(f) != 2 || f[1] != "3" {
		t.Errorf("first image: %q, want class 3 first", lines[1])
	}
	if f := strings.Fields(lines[4]); f[1] != "7" {
		t.Errorf("second image: %q, want class 7 first", lines[4])
	}
	if !strings.Contains(errw, "2 of 2 images classified") || !strings.Contains(errw, "0 failures") {
		t.Errorf("stderr has no summary:\n%s", errw)
	}

	// Labels other than the class number are printed too.
	m.Labels = "imagenet"
	if _, out, _ := run(m, "classify", "--top", "1", a); !strings.HasSuffix(out, "     3  tiger shark\n") {
		t.Errorf("with ImageNet labels:\n%s", out)
	}
	m.Labels = "mnist"

	// One image: no summary.
	code, out, errw = run(m, "classify", a)
	if code != 0 || errw != "" || strings.Count(out, "\n") != 6 {
		t.Errorf("one image: exit %d, stdout:\n%s\nstderr:\n%s", code, out, errw)
	}

	code, out, _ = run(m, "classify", "--json", "--top", "3", a, b)
	if code != 0 {
		t.Fatalf("--json: exit %d", code)
	}
	var doc struct {
		Model   string
		Results []result
		Summary summary
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if doc.Model != "fake" || len(doc.Results) != 2 || len(doc.Results[1].Top) != 3 || doc.Results[1].Top[0].Class != 7 ||
		doc.Results[1].Top[0].Label != "7" || doc.Summary.Classified != 2 {
		t.Errorf("--json: %+v", doc)
	}
	if p := doc.Results[0].Top[0].Prob; !(p > 0.3 && p < 1) {
		t.Errorf("probability of the top class %v", p)
	}
}

func TestClassifyHeads(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "two.png")
	grayPNG(t, a, 2, 8)
	m := fakeModel(t, 8, 8)
	m.Heads = []Head{{Name: "aux", Shape: [3]int{10, 1, 1}}}
	code, out, errw := run(m, "classify", "--json", "--top", "1", a)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errw)
	}
	var doc struct{ Results []result }
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if r := doc.Results[0]; r.Top[0].Class != 2 || r.Heads["aux"][0].Class != 3 {
		t.Errorf("trunk %v, head %v; want 2 and 3", r.Top, r.Heads)
	}
	_, out, _ = run(m, "classify", "--top", "1", a)
	if !strings.Contains(out, "head aux:") {
		t.Errorf("no head in:\n%s", out)
	}
}

// TestClassifyDir walks a tree with good images, broken files and other
// files: every image is classified in order, every failure is reported
// when it happens and at the end, and the exit code is 1.
func TestClassifyDir(t *testing.T) {
	dir := t.TempDir()
	grayPNG(t, filepath.Join(dir, "b", "1.png"), 1, 8)
	grayPNG(t, filepath.Join(dir, "a", "deep", "4.PNG"), 4, 8)
	grayPNG(t, filepath.Join(dir, "c.png"), 5, 8)
	grayPNG(t, filepath.Join(dir, "huge.png"), 5, 40) // more than --max-pixels
	var good bytes.Buffer
	png.Encode(&good, image.NewGray(image.Rect(0, 0, 8, 8)))
	write(t, filepath.Join(dir, "a", "truncated.png"), good.Bytes()[:good.Len()/2])
	write(t, filepath.Join(dir, "notes.jpg"), []byte("these are notes, not a JPEG\n"))
	write(t, filepath.Join(dir, "empty.gif"), nil)
	write(t, filepath.Join(dir, "README.txt"), []byte("skipped\n"))
	// An empty directory in the tree is not an error.
	if err := os.MkdirAll(filepath.Join(dir, "nothing"), 0o755); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.png")

	m := fakeModel(t, 8, 8)
	code, out, errw := run(m, "classify", "--top", "1", "--max-pixels", "1000", dir, missing)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	var files []string
	for _, l := range strings.Split(out, "\n") {
		if l != "" && !strings.HasPrefix(l, " ") {
			files = append(files, strings.TrimPrefix(l, dir+string(filepath.Separator)))
		}
	}
	if got, want := strings.Join(files, " "), filepath.Join("a", "deep", "4.PNG")+" "+filepath.Join("b", "1.png")+" c.png"; got != want {
		t.Errorf("classified %q, want %q", got, want)
	}
	for _, want := range []string{
		"truncated.png: truncated PNG file",
		"notes.jpg: unsupported image format",
		"empty.gif: empty file (not an image)",
		"huge.png: PNG image is 40x40 = 1600 pixels, more than the limit of 1000 (--max-pixels)",
		"missing.png: no such file or directory",
		"3 of 7 images classified",
		"5 failures",
		"1 file without an image extension skipped",
	} {
		if c := strings.Count(errw, want); c == 0 || strings.HasSuffix(want, ":") && c != 2 {
			t.Errorf("stderr lacks %q:\n%s", want, errw)
		}
	}
	// Each failure is printed when it happens and in the list at the end.
	end := errw[strings.Index(errw, "failed:\n"):]
	if c := strings.Count(end, "\n  "); c != 5 {
		t.Errorf("%d failures listed at the end, want 5:\n%s", c, end)
	}

	// JSON: every input in order, with the failures.
	_, out, _ = run(m, "classify", "--json", "--max-pixels", "1000", dir)
	var doc struct {
		Results []result
		Summary summary
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if s := doc.Summary; s.Images != 7 || s.Classified != 3 || s.Failures != 4 || s.Skipped != 1 || len(doc.Results) != 7 {
		t.Errorf("summary %+v, %d results", s, len(doc.Results))
	}

	// An empty directory is an error.
	empty := t.TempDir()
	code, _, errw = run(m, "classify", empty)
	if code != 1 || !strings.Contains(errw, "directory has no images") {
		t.Errorf("empty directory: exit %d, stderr:\n%s", code, errw)
	}
}

func TestClassifyUnreadable(t *testing.T) {
	if goruntime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("permissions do not apply")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "secret.png")
	grayPNG(t, p, 1, 8)
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	code, _, errw := run(fakeModel(t, 8, 8), "classify", dir)
	if code != 1 || !strings.Contains(errw, "permission denied") {
		t.Errorf("exit %d, stderr:\n%s", code, errw)
	}
}

func TestProgress(t *testing.T) {
	dir := t.TempDir()
	for i := range 5 {
		grayPNG(t, filepath.Join(dir, string(rune('a'+i))+".png"), i, 8)
	}
	m := fakeModel(t, 8, 8)
	_, _, errw := run(m, "classify", "--batch", "2", dir)
	if strings.Contains(errw, "\r") {
		t.Errorf("progress bar on a non-terminal:\n%q", errw)
	}
	isTerminal = func(io.Writer) bool { return true }
	defer func() { isTerminal = isTerminalFile }()
	_, _, errw = run(m, "classify", "--batch", "2", dir)
	if !strings.Contains(errw, "] 5/5 100%") || !strings.Contains(errw, "\r\x1b[K") {
		t.Errorf("no progress bar:\n%q", errw)
	}
}

func TestUsage(t *testing.T) {
	m := fakeModel(t, 8, 8)
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Usage:"},
		{[]string{"help"}, 0, "Usage:"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"classify"}, 2, "no images or directories given"},
		{[]string{"classify", "--top", "0", "x.png"}, 2, "--top must be at least 1"},
		{[]string{"classify", "--nope", "x.png"}, 2, "flag provided but not defined: -nope"},
		{[]string{"classify", "-h"}, 0, "usage: fake classify"},
		{[]string{"eval", "x.idx"}, 2, "want an images file and a labels file"},
		{[]string{"bench", "--iters", "0"}, 2, "--iters must be at least 1"},
		{[]string{"info", "extra"}, 2, "takes no arguments"},
	} {
		code, out, errw := run(m, tt.args...)
		if code != tt.code || !strings.Contains(out+errw, tt.want) {
			t.Errorf("%q: exit %d, want %d; output lacks %q?\n%s%s", tt.args, code, tt.code, tt.want, out, errw)
		}
	}
}

func TestInfo(t *testing.T) {
	m := fakeModel(t, 8, 8)
	code, out, errw := run(m, "info")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errw)
	}
	for _, want := range []string{
		"network     fake (fake.inc)",
		"input       1x8x8",
		"output      10x1x1 (scores; probabilities are their softmax)",
		"22 bytes, sha256 " + m.WeightsSHA256 + " (verified)",
		"preprocess  grayscale (luminance), resized to 8x8 if not that size, values in [0, 1], mean 0.5, std 0.25",
		"labels      mnist, 10 classes: 0, 1, 2",
		"name  type\nfc    fc\n",
		"spec fake.inc:\n\nnetwork fake {\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("info lacks %q:\n%s", want, out)
		}
	}
	m.WeightsSHA256 = strings.Repeat("0", 64)
	if code, out, _ := run(m, "info"); code != 1 || !strings.Contains(out, "MISMATCH") {
		t.Errorf("bad checksum: exit %d\n%s", code, out)
	}
}

func TestBench(t *testing.T) {
	m := fakeModel(t, 8, 8)
	code, out, errw := run(m, "bench", "--batch", "4", "--iters", "20", "--threads", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errw)
	}
	for _, want := range []string{"fake: batch 4, 2 threads, 20 timed inferences after 3 warm-up", "p50 ", "p90 ", "p99 ", "images/s",
		"the 1 slowest layers", "  fc  "} {
		if !strings.Contains(out, want) {
			t.Errorf("bench lacks %q:\n%s", want, out)
		}
	}
	_, out, _ = run(m, "bench", "--iters", "5", "--json")
	var r bench.Result
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Model != "fake" || r.Iters != 5 || !(r.P50 <= r.P90 && r.P90 <= r.P99 && r.ImagesPerSecond > 0) ||
		len(r.Layers) != 1 || r.Layers[0].Name != "fc" || r.GFLOPs != 2e-3 {
		t.Errorf("--json: %v %+v", err, r)
	}
}

// idxFile builds an IDX file of unsigned bytes.
func idxFile(dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(data)
	return b.Bytes()
}

func gz(data []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// digits returns n uniform 8×8 images, image i of class i%10, and their
// labels; the labels of the images listed in wrong are off by one.
func digits(n int, wrong ...int) (imgs, labels []byte) {
	for i := range n {
		for range 64 {
			imgs = append(imgs, byte(25*(i%10)))
		}
		labels = append(labels, byte(i%10))
	}
	for _, i := range wrong {
		labels[i] = (labels[i] + 1) % 10
	}
	return imgs, labels
}

func TestEval(t *testing.T) {
	dir := t.TempDir()
	imgs, labels := digits(50, 3, 17, 40)
	ip, lp := filepath.Join(dir, "images.idx3.gz"), filepath.Join(dir, "labels.idx1")
	write(t, ip, gz(idxFile([]uint32{50, 8, 8}, imgs)))
	write(t, lp, idxFile([]uint32{50}, labels))
	m := fakeModel(t, 8, 8)
	code, out, errw := run(m, "eval", ip, lp, "--show", "4", "--batch", "7")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errw)
	}
	for _, want := range []string{
		"fake: 50 images of 8x8",
		"accuracy: 47/50 = 94.00%",
		"throughput: ",
		"#0 true 0", "#1 true 1", "#3 true 4", "pred 3  ✗ wrong", "#17 true 8",
		"████████",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("eval lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "#40 ") || strings.Contains(out, "#2 ") {
		t.Errorf("eval shows other digits than 0, 1, 3, 17:\n%s", out)
	}
	_, out, _ = run(m, "eval", "--json", "--limit", "10", ip, lp)
	var r evalResult
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Images != 10 || r.Correct != 9 || r.Accuracy != 90 {
		t.Errorf("--json --limit 10: %v %+v", err, r)
	}
}

func TestHalfBlocks(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 4, 3))
	set := func(x, y int) { img.SetGray(x, y, color.Gray{255}) }
	set(1, 0)
	set(2, 1)
	set(3, 0)
	set(3, 1)
	set(0, 2)
	if got := halfBlocks(img, 0) + "|" + halfBlocks(img, 2); got != " ▀▄█|▀   " {
		t.Errorf("got %q", got)
	}
}

// TestIDXErrors feeds eval crafted IDX files.
func TestIDXErrors(t *testing.T) {
	dir := t.TempDir()
	imgs, labels := digits(10)
	good := idxFile([]uint32{10, 8, 8}, imgs)
	goodLabels := idxFile([]uint32{10}, labels)
	truncGz := gz(good)
	truncGz = truncGz[:len(truncGz)-20]
	corruptGz := gz(good)
	corruptGz[len(corruptGz)-6] ^= 0xff // CRC
	other := func(magic3 byte, ndims byte) []byte {
		b := append([]byte(nil), good...)
		b[2], b[3] = magic3, ndims
		return b
	}
	for _, tt := range []struct {
		name           string
		images, labels []byte
		want           string
	}{
		{"png", []byte("\x89PNG\r\n\x1a\n...."), goodLabels, "not an IDX file: magic number 0x89504e47, want 0x00000803 for images (idx3)"},
		{"empty", nil, goodLabels, "not an IDX file: the file ends before the 4-byte magic number"},
		{"floats", other(0x0D, 3), goodLabels, "IDX data type 0x0d (float), want 0x08 (unsigned byte)"},
		{"labels as images", goodLabels, goodLabels, "IDX file of 1 dimensions, want 3 for images (idx3)"},
		{"images as labels", good, good, "IDX file of 3 dimensions, want 1 for labels (idx1)"},
		{"short header", good[:9], goodLabels, "truncated IDX header: the file ends before dimension 2"},
		{"zero dim", idxFile([]uint32{10, 0, 8}, nil), goodLabels, "IDX dimension 2 is 0"},
		{"lying header", idxFile([]uint32{1 << 30, 28, 28}, imgs), goodLabels, "IDX dimensions 1073741824x28: more than 4294967296 bytes"},
		{"lying count", idxFile([]uint32{60000, 28, 28}, imgs), goodLabels, "IDX header says 60000x28x28 = 47040000 bytes of data, the file holds 640"},
		{"lying count gz", gz(idxFile([]uint32{60000, 28, 28}, imgs)), goodLabels, "IDX header says 60000x28x28 = 47040000 bytes of data, the file holds 640"},
		{"trailing data", append(append([]byte(nil), good...), 1, 2, 3), goodLabels, "the file holds 643"},
		{"trailing data gz", gz(append(append([]byte(nil), good...), 1, 2, 3)), goodLabels, "IDX file holds more data than its header says (10x8x8 = 640 bytes)"},
		{"truncated gz", truncGz, goodLabels, "truncated gzip data after"},
		{"corrupt gz", corruptGz, goodLabels, "gzip: invalid checksum"},
		{"bad gz header", []byte{0x1f, 0x8b, 0, 0}, goodLabels, "gzip: unexpected EOF"},
		{"counts", good, idxFile([]uint32{9}, labels[:9]), "labels.idx holds 9 labels, " + filepath.Join(dir, "images.idx") + " holds 10 images"},
		{"label range", good, idxFile([]uint32{10}, append(labels[:9:9], 12)), "label 12 of image 9 is not a class of fake (10 classes)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ip, lp := filepath.Join(dir, "images.idx"), filepath.Join(dir, "labels.idx")
			write(t, ip, tt.images)
			write(t, lp, tt.labels)
			var before, after goruntime.MemStats
			goruntime.ReadMemStats(&before)
			code, _, errw := run(fakeModel(t, 8, 8), "eval", ip, lp)
			goruntime.ReadMemStats(&after)
			if code != 1 || !strings.Contains(errw, tt.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant %q", code, errw, tt.want)
			}
			if a := after.TotalAlloc - before.TotalAlloc; a > 8<<20 {
				t.Errorf("allocated %d bytes", a)
			}
		})
	}
}

// noControl fails if s holds a control character other than newline.
func noControl(t *testing.T, what, s string) {
	t.Helper()
	for _, c := range s {
		if c < ' ' && c != '\n' || c == 0x7f {
			t.Errorf("%s holds control character %U:\n%q", what, c, s)
			return
		}
	}
}

// TestHostileNames: file names reach the terminal escaped (no escape
// sequences, one line per record), and JSON keeps the exact bytes of a name
// that is not UTF-8.
func TestHostileNames(t *testing.T) {
	dir := t.TempDir()
	evil := filepath.Join(dir, "x\x1b]0;owned\a\n1.png")
	notUTF8 := filepath.Join(dir, "bad\xff.png")
	broken := filepath.Join(dir, "cut\r.png")
	grayPNG(t, evil, 3, 8)
	grayPNG(t, notUTF8, 5, 8)
	write(t, broken, []byte("\x89PNG\r\n"))
	m := fakeModel(t, 8, 8)
	code, stdout, stderr := run(m, "classify", "--top", "1", dir)
	if code != 1 {
		t.Errorf("exit %d, want 1 (one broken file)", code)
	}
	noControl(t, "stdout", stdout)
	noControl(t, "stderr", stderr)
	for _, want := range []string{`"` + strings.ReplaceAll(dir, `\`, `\\`) + `/x\x1b]0;owned\a\n1.png"`, `/bad\xff.png"`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %s:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, `cut\r.png`) {
		t.Errorf("stderr does not name the broken file escaped:\n%s", stderr)
	}
	// Two images, each a name line and one class line.
	if n := strings.Count(stdout, "\n"); n != 4 {
		t.Errorf("stdout has %d lines, want 4:\n%s", n, stdout)
	}

	_, stdout, _ = run(fakeModel(t, 8, 8), "classify", "--json", dir)
	var doc struct {
		Results []struct {
			File      string `json:"file"`
			FileBytes []byte `json:"file_bytes"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("json: %v\n%s", err, stdout)
	}
	names := map[string]bool{}
	for _, r := range doc.Results {
		name := r.File
		if r.FileBytes != nil {
			name = string(r.FileBytes)
		}
		names[name] = true
	}
	for _, want := range []string{evil, notUTF8, broken} {
		if !names[want] {
			t.Errorf("json results lack %q: %v", want, names)
		}
	}
}

// TestInfoHostileSource: the spec source printed by info cannot send escape
// sequences to the terminal.
func TestInfoHostileSource(t *testing.T) {
	m := fakeModel(t, 8, 8)
	m.Source = "# \x1b]0;owned\a\x1b[2J title\nnetwork fake {\n\tinput 1x8x8\n}\n"
	m.Spec = "spec\x1b[31m.inc"
	code, stdout, _ := run(m, "info")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	noControl(t, "info", strings.ReplaceAll(stdout, "\t", ""))
	if !strings.Contains(stdout, `# \x1b]0;owned\a\x1b[2J title`) || !strings.Contains(stdout, `"spec\x1b[31m.inc"`) {
		t.Errorf("info does not show the source escaped:\n%s", stdout)
	}
}

// TestSafely: a panic in the function is an error, not a crash of the
// goroutine (and the process) that ran it.
func TestSafely(t *testing.T) {
	done := make(chan error)
	go func() { done <- safely(func() error { var m map[string]int; m["x"] = 1; return nil }) }()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "internal error") || !strings.Contains(err.Error(), "nil map") {
		t.Errorf("safely on a panicking function: %v", err)
	}
	if err := safely(func() error { return os.ErrNotExist }); err != os.ErrNotExist {
		t.Errorf("safely passes the error through: %v", err)
	}
}

// TestNonFiniteOutput: an image whose output holds a NaN is a failure of
// that image (exit 1), not a ranking with NaN first; the other images'
// results are printed, and --json still writes every result.
func TestNonFiniteOutput(t *testing.T) {
	dir := t.TempDir()
	a, white, b := filepath.Join(dir, "a.png"), filepath.Join(dir, "white.png"), filepath.Join(dir, "b.png")
	grayPNG(t, a, 2, 8)
	grayPNG(t, white, 10, 8) // 250: NaN
	grayPNG(t, b, 6, 8)
	m := fakeModel(t, 8, 8)
	code, out, errw := run(m, "classify", "--top", "1", a, white, b)
	if code != 1 || !strings.Contains(errw, "white.png: the network's output is not finite (NaN for class 3)") ||
		!strings.Contains(errw, "2 of 3 images classified") || strings.Contains(out, "white.png") ||
		!strings.Contains(out, a+"\n") || !strings.Contains(out, b+"\n") {
		t.Errorf("text: exit %d, stdout:\n%s\nstderr:\n%s", code, out, errw)
	}
	code, out, errw = run(m, "classify", "--json", a, white, b)
	var doc struct {
		Results []result
		Summary summary
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 1 || len(doc.Results) != 3 ||
		doc.Results[1].Error == "" || len(doc.Results[1].Top) != 0 || len(doc.Results[2].Top) != 5 || doc.Summary.Failures != 1 {
		t.Errorf("--json: exit %d, %v, stdout:\n%s\nstderr:\n%s", code, err, out, errw)
	}

	// eval counts such images as wrong (not as class 0 or 3), and fails.
	imgs, labels := digits(20)
	for i := range 64 {
		imgs[5*64+i] = 255 // image 5 is white: NaN
	}
	ip, lp := filepath.Join(dir, "images.idx"), filepath.Join(dir, "labels.idx")
	write(t, ip, idxFile([]uint32{20, 8, 8}, imgs))
	write(t, lp, idxFile([]uint32{20}, labels))
	code, out, errw = run(m, "eval", ip, lp, "--show", "2")
	if code != 1 || !strings.Contains(out, "accuracy: 19/20 = 95.00% (1 image with an output that is not finite, counted as wrong)") ||
		!strings.Contains(out, "#5 true 5") || !strings.Contains(out, "pred none (output not finite)") ||
		!strings.Contains(errw, "1 image of 20: the network's output is not finite (counted as wrong; the first is image 5)") {
		t.Errorf("eval: exit %d, stdout:\n%s\nstderr:\n%s", code, out, errw)
	}
	code, out, _ = run(m, "eval", "--json", ip, lp)
	var r evalResult
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != 1 || r.Correct != 19 || r.Failures != 1 {
		t.Errorf("eval --json: exit %d, %v, %+v", code, err, r)
	}
}

// TestEvalLimitReads: --limit N reads the first N images and labels only.
// A gzipped IDX file of 64 MB of images (64 kB compressed) evaluated with
// --limit 10 allocates a few MB, not the whole data (nor, as io.ReadAll
// did, twice it).
func TestEvalLimitReads(t *testing.T) {
	dir := t.TempDir()
	const n, side = 1000, 256
	imgs := make([]byte, n*side*side)
	labels := make([]byte, n)
	ip, lp := filepath.Join(dir, "images.idx.gz"), filepath.Join(dir, "labels.idx.gz")
	write(t, ip, gz(idxFile([]uint32{n, side, side}, imgs)))
	write(t, lp, gz(idxFile([]uint32{n}, labels)))
	imgs = nil
	m := fakeModel(t, 8, 8)
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	code, out, errw := run(m, "eval", "--limit", "10", ip, lp)
	goruntime.ReadMemStats(&after)
	if code != 0 || !strings.Contains(out, "fake: 10 images of 256x256") || !strings.Contains(out, "accuracy: 10/10") {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errw)
	}
	if a := after.TotalAlloc - before.TotalAlloc; a > 8<<20 {
		t.Errorf("eval --limit 10 allocated %s, want a few MB (10 images are %d kB)", host.FormatBytes(int64(a)), 10*side*side/1000)
	}
}

// TestEvalMemoryLimit: a data set whose images (as the header says) cannot
// fit the process's memory is refused before they are read, naming the
// limit, instead of running out of memory.
func TestEvalMemoryLimit(t *testing.T) {
	dir := t.TempDir()
	ip, lp := filepath.Join(dir, "images.idx.gz"), filepath.Join(dir, "labels.idx")
	// The header claims 60000 images of 256x256 (3.9 GB); the data is not
	// there, but the estimate comes first.
	write(t, ip, gz(idxFile([]uint32{60000, 256, 256}, make([]byte, 100))))
	write(t, lp, idxFile([]uint32{60000}, make([]byte, 60000)))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1 << 30))
	code, _, errw := run(fakeModel(t, 8, 8), "eval", ip, lp)
	if code != 1 || !strings.Contains(errw, "60,000 images of 256x256 need about 3.9 GB of memory, more than the 1.1 GB this process can use") {
		t.Errorf("exit %d, stderr:\n%s", code, errw)
	}
	code, _, errw = run(fakeModel(t, 8, 8), "eval", "--limit", "100", ip, lp)
	if code != 1 || !strings.Contains(errw, "IDX header says 60000x256x256 = 3932160000 bytes of data, the file holds 100") {
		t.Errorf("--limit 100: exit %d, stderr:\n%s", code, errw)
	}
}

// inputs writes an image, and an IDX data set of 4 digits and their
// labels, for classify and eval.
func inputs(t *testing.T) (img, images, labels string) {
	dir := t.TempDir()
	img = filepath.Join(dir, "a.png")
	grayPNG(t, img, 3, 8)
	d, l := digits(4)
	images, labels = filepath.Join(dir, "images.idx"), filepath.Join(dir, "labels.idx")
	write(t, images, idxFile([]uint32{4, 8, 8}, d))
	write(t, labels, idxFile([]uint32{4}, l))
	return img, images, labels
}

// TestFlagBounds: --batch, --threads and --iters that cannot fit the
// process's memory (GOMEMLIMIT here; 1 MB a thread, 296 bytes an image;
// classify also counts the decode of one image of --max-pixels, 50
// million by default, at 11 bytes a pixel), and more threads than
// host.MaxThreads, are usage errors (exit 2)
// naming the flag and the most it can be, before anything is allocated
// for them; sizes that fit run.
func TestFlagBounds(t *testing.T) {
	img, ip, lp := inputs(t)
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(1e9))
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"classify", "--batch", "20000000", "--threads", "2", img},
			"classify: --batch 20000000 needs about 6.5 GB of memory (296 bytes an image); at most 1,513,185 fit the 1.0 GB this process can use"},
		{[]string{"classify", "--threads", "1000000", img}, "classify: --threads 1000000: at most 1024 (more threads than CPUs only slow a run down)"},
		{[]string{"classify", "--max-pixels", "1000000000000", "--threads", "2", img},
			"classify: --max-pixels 1000000000000 needs about 11.0 TB of memory (11 bytes a pixel); at most 90,718,"},
		{[]string{"classify", "--threads", "1024", img},
			"classify: --threads 1024 needs about 1.6 GB of memory (1.0 MB a thread); at most 429 fit the 1.0 GB this process can use"},
		{[]string{"eval", "--batch", "1000000000", "--threads", "2", ip, lp},
			"eval: --batch 1000000000 needs about 296.0 GB of memory (296 bytes an image); at most 3,371,293 fit the 1.0 GB"},
		{[]string{"eval", "--threads", "100000", ip, lp}, "eval: --threads 100000: at most 1024"},
		{[]string{"bench", "--batch", "100000000", "--threads", "2"},
			"bench: --batch 100000000 needs about 29.6 GB of memory (296 bytes an image); at most 3,371,290 fit the 1.0 GB"},
		{[]string{"bench", "--threads", "100000"}, "bench: --threads 100000: at most 1024"},
		{[]string{"bench", "--iters", "200000000", "--threads", "2"},
			"bench: --iters 200000000 needs about 1.6 GB of memory (8 bytes a latency); at most 124,737,813 fit the 1.0 GB"},
	} {
		m := fakeModel(t, 8, 8)
		m.ThreadBytes = 1 << 20
		code, _, errw := run(m, tt.args...)
		if code != 2 || !strings.Contains(errw, tt.want) || strings.Contains(tt.want, "memory") && !strings.Contains(errw, "GOMEMLIMIT") {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant %q", tt.args, code, errw, tt.want)
		}
	}
	m := fakeModel(t, 8, 8)
	m.ThreadBytes = 1 << 20
	if code, _, errw := run(m, "classify", "--batch", "1000000", "--threads", "8", img); code != 0 {
		t.Errorf("--batch 1000000 --threads 8 (about 300 MB): exit %d, stderr:\n%s", code, errw)
	}
}

// TestClassifyDecodeBudget: with 8 CPUs decoding at once and a budget for
// two images, classify never holds more than two images' decode memory at
// once (it held as many as the CPUs), and classifies every image.
func TestClassifyDecodeBudget(t *testing.T) {
	defer goruntime.GOMAXPROCS(goruntime.GOMAXPROCS(8))
	dir := t.TempDir()
	for i := range 24 {
		grayPNG(t, filepath.Join(dir, fmt.Sprintf("%02d.png", i)), i%10, 64)
	}
	one := preproc.DecodeBytes(64, 64, color.GrayModel)
	var b *preproc.Budget
	defer func(f func(int64) *preproc.Budget) { newDecodeBudget = f }(newDecodeBudget)
	newDecodeBudget = func(int64) *preproc.Budget {
		b = preproc.NewBudget(2 * one)
		return b
	}
	code, out, errw := run(fakeModel(t, 8, 8), "classify", "--top", "1", "--batch", "24", dir)
	if code != 0 || strings.Count(out, ".png\n") != 24 {
		t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errw)
	}
	if p := b.Peak(); p < one || p > 2*one {
		t.Errorf("decodes held %d bytes at once, want %d to %d (one or two images)", p, one, 2*one)
	}
}

// TestServeUsage: serve's flags are checked before anything listens.
func TestServeUsage(t *testing.T) {
	m := fakeModel(t, 8, 8)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--max-batch", "0"}, "--max-batch must be at least 1, got 0"},
		{[]string{"serve", "--max-delay", "-1s"}, "--max-delay must not be negative"},
		{[]string{"serve", "--queue", "-2"}, "--queue must not be negative"},
		{[]string{"serve", "--timeout", "0s"}, "must be positive"},
		{[]string{"serve", "--name", ""}, "--name must not be empty"},
		{[]string{"serve", "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "--max-body", "-1"}, "--max-body must not be negative"},
		{[]string{"serve", "--queue", "1000000000"}, "--queue"},
		{[]string{"serve", "--threads", "100000"}, "--threads 100000: at most"},
	} {
		code, _, errw := run(m, c.args...)
		if code != 2 || !strings.Contains(errw, c.want) || !strings.Contains(errw, "usage: ") {
			t.Errorf("%v: exit %d\n%s", c.args, code, errw)
		}
	}
	// Both listeners off: an error, exit 1, and the network closed.
	code, _, errw := run(m, "serve", "--http", "off", "--grpc", "off")
	if code != 1 || !strings.Contains(errw, "both --http and --grpc are off") {
		t.Errorf("both off: exit %d\n%s", code, errw)
	}
}

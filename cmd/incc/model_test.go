package main

import (
	"strings"
	"testing"

	"github.com/inccdev/incc/compiler/codegen"
	"github.com/inccdev/incc/internal/testspec"
)

// TestPreprocConfigBicubic: a spec's bicubic resize reaches the model
// binary's preprocessing (Xception resizes as timm's preset does), through
// the one mapping of a network to preproc.Config and the main's literal.
func TestPreprocConfigBicubic(t *testing.T) {
	const spec = "specs/xception.inc"
	net := testspec.Load(t, spec)
	cfg := preprocConfig(net)
	if cfg.Interpolation != "bicubic" || cfg.Resize != 333 {
		t.Errorf("interpolation %q, resize %d; want bicubic, 333", cfg.Interpolation, cfg.Resize)
	}
	if err := cfg.Validate(); err != nil {
		t.Error(err)
	}
	opts := codegen.MainOptions{NetImport: "example.com/m/x", NetPackage: "xception", Spec: spec,
		WeightsSHA256: strings.Repeat("ab", 32), Preprocess: cfg}
	out, err := codegen.GenerateMain(net, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`Interpolation: "bicubic"`, `Resize:        333`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("main lacks %q", want)
		}
	}
}

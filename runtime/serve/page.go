package serve

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"html/template"
	"net/http"
)

//go:embed page.html
var pageHTML string

var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

// pageConfig is what the page's script knows of the model.
type pageConfig struct {
	Name    string   `json:"name"`
	Input   [3]int   `json:"input"` // C, H, W
	Classes int      `json:"classes"`
	Labels  []string `json:"labels"`
	Softmax bool     `json:"softmax"`
	// Draw offers a canvas: a small grayscale model, such as MNIST's.
	Draw bool `json:"draw"`
}

// page is GET /: a page to try the model in a browser. It sends images
// to the REST API as the BYTES input "image" (binary tensor extension),
// so they are preprocessed as classify preprocesses files.
func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	m := s.model
	cfg := pageConfig{Name: m.Name, Input: m.Input, Classes: s.outs[0].len, Labels: m.Labels, Softmax: m.Softmax,
		Draw: m.Input[0] == 1 && m.Input[1] <= 64 && m.Input[2] <= 64}
	js, err := json.Marshal(cfg)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, map[string]any{"Name": m.Name, "Config": template.JS(js), "Draw": cfg.Draw, "Input": m.Input}); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(b.Bytes())
}

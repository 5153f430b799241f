// Package e2e holds tests with heavy dependencies that the model binaries
// must not link and the main module need not carry: the serve page in a
// real headless Chromium (github.com/chromedp/chromedp) and a strict
// decoding of the KServe manifests in deploy/ (Kubernetes' own container
// types, k8s.io/api). It is a module of its own; .ci/run runs its tests.
package e2e

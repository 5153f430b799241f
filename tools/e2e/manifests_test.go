package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// The KServe resources, as far as deploy/ uses them. Field names and JSON
// tags are KServe's (kserve/kserve: pkg/apis/serving/v1alpha1
// servingruntime_types.go; pkg/apis/serving/v1beta1 inference_service.go,
// predictor.go, component.go, predictor_model.go); containers are
// Kubernetes' own type. Decoding is strict: a field that is not here is an
// error, so a typo or a field KServe does not have cannot slip through.

type objectMeta struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

type servingRuntime struct {
	APIVersion string             `json:"apiVersion"`
	Kind       string             `json:"kind"`
	Metadata   objectMeta         `json:"metadata"`
	Spec       servingRuntimeSpec `json:"spec"`
}

type servingRuntimeSpec struct {
	SupportedModelFormats []supportedModelFormat `json:"supportedModelFormats,omitempty"`
	MultiModel            *bool                  `json:"multiModel,omitempty"`
	Disabled              *bool                  `json:"disabled,omitempty"`
	ProtocolVersions      []string               `json:"protocolVersions,omitempty"`
	Containers            []corev1.Container     `json:"containers"`
	Volumes               []corev1.Volume        `json:"volumes,omitempty"`
	NodeSelector          map[string]string      `json:"nodeSelector,omitempty"`
	Tolerations           []corev1.Toleration    `json:"tolerations,omitempty"`
}

type supportedModelFormat struct {
	Name       string  `json:"name"`
	Version    *string `json:"version,omitempty"`
	AutoSelect *bool   `json:"autoSelect,omitempty"`
	Priority   *int32  `json:"priority,omitempty"`
}

type inferenceService struct {
	APIVersion string     `json:"apiVersion"`
	Kind       string     `json:"kind"`
	Metadata   objectMeta `json:"metadata"`
	Spec       struct {
		Predictor predictorSpec `json:"predictor"`
	} `json:"spec"`
}

type predictorSpec struct {
	// ComponentExtensionSpec
	MinReplicas          *int              `json:"minReplicas,omitempty"`
	MaxReplicas          int               `json:"maxReplicas,omitempty"`
	ScaleTarget          *int              `json:"scaleTarget,omitempty"`
	ScaleMetric          *string           `json:"scaleMetric,omitempty"`
	ContainerConcurrency *int64            `json:"containerConcurrency,omitempty"`
	TimeoutSeconds       *int64            `json:"timeout,omitempty"`
	Labels               map[string]string `json:"labels,omitempty"`
	Annotations          map[string]string `json:"annotations,omitempty"`
	// The model, served by a runtime.
	Model *modelSpec `json:"model,omitempty"`
}

type modelSpec struct {
	ModelFormat struct {
		Name    string  `json:"name"`
		Version *string `json:"version,omitempty"`
	} `json:"modelFormat"`
	Runtime         *string `json:"runtime,omitempty"`
	StorageURI      *string `json:"storageUri,omitempty"`
	ProtocolVersion *string `json:"protocolVersion,omitempty"`
}

func readManifest(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "kserve", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestManifests decodes deploy/kserve strictly and checks that the
// InferenceService names the runtime, the runtime supports its format and
// v2, and the container runs serve on KServe's ports with probes on the
// protocol's health paths.
func TestManifests(t *testing.T) {
	var rt servingRuntime
	readManifest(t, "servingruntime.yaml", &rt)
	var isvc inferenceService
	readManifest(t, "inferenceservice.yaml", &isvc)

	if rt.APIVersion != "serving.kserve.io/v1alpha1" || rt.Kind != "ServingRuntime" {
		t.Errorf("runtime: %s %s", rt.APIVersion, rt.Kind)
	}
	if isvc.APIVersion != "serving.kserve.io/v1beta1" || isvc.Kind != "InferenceService" {
		t.Errorf("inference service: %s %s", isvc.APIVersion, isvc.Kind)
	}
	p := isvc.Spec.Predictor
	if p.Model == nil || p.Model.Runtime == nil || *p.Model.Runtime != rt.Metadata.Name {
		t.Fatalf("the InferenceService does not name the runtime %q", rt.Metadata.Name)
	}
	if !slices.ContainsFunc(rt.Spec.SupportedModelFormats, func(f supportedModelFormat) bool { return f.Name == p.Model.ModelFormat.Name }) {
		t.Errorf("the runtime does not support the model format %q", p.Model.ModelFormat.Name)
	}
	if !slices.Contains(rt.Spec.ProtocolVersions, "v2") || p.Model.ProtocolVersion == nil || *p.Model.ProtocolVersion != "v2" {
		t.Errorf("protocol versions: runtime %v, model %v", rt.Spec.ProtocolVersions, p.Model.ProtocolVersion)
	}
	if p.MinReplicas == nil || *p.MinReplicas < 1 || p.MaxReplicas < *p.MinReplicas || p.ScaleMetric == nil ||
		!slices.Contains([]string{"concurrency", "rps", "cpu", "memory"}, *p.ScaleMetric) {
		t.Errorf("scaling: min %v max %d metric %v", p.MinReplicas, p.MaxReplicas, p.ScaleMetric)
	}
	if len(rt.Spec.Containers) != 1 {
		t.Fatalf("%d containers", len(rt.Spec.Containers))
	}
	c := rt.Spec.Containers[0]
	args := strings.Join(c.Args, " ")
	for _, want := range []string{"--http=:8080", "--grpc=:8081", "--name={{.Name}}"} {
		if !strings.Contains(args, want) {
			t.Errorf("container args %q lack %s", args, want)
		}
	}
	// The autoscaler's hard limit is at most what a replica admits.
	var queue int64
	for _, a := range c.Args {
		fmt.Sscanf(a, "--queue=%d", &queue)
	}
	if p.ContainerConcurrency == nil || queue == 0 || *p.ContainerConcurrency > queue {
		t.Errorf("containerConcurrency %v, the binary's --queue %d", p.ContainerConcurrency, queue)
	}
	if c.Name != "kserve-container" || len(c.Ports) != 1 || c.Ports[0].ContainerPort != 8080 {
		t.Errorf("container %s, ports %v", c.Name, c.Ports)
	}
	if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/v2/health/ready" ||
		c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/v2/health/live" {
		t.Errorf("probes: %+v %+v", c.ReadinessProbe, c.LivenessProbe)
	}
	if rt.Metadata.Annotations["prometheus.kserve.io/path"] != "/metrics" {
		t.Errorf("annotations %v", rt.Metadata.Annotations)
	}

	// The image: FROM scratch, the binary as entry point, serve.
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "Containerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var from, entry string
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "FROM "); ok {
			from = v
		}
		if v, ok := strings.CutPrefix(line, "ENTRYPOINT "); ok {
			entry = v
		}
	}
	if from != "scratch" || entry != `["/model", "serve"]` {
		t.Errorf("Containerfile: FROM %q, ENTRYPOINT %q", from, entry)
	}
}

// TestStrict: the decoding does fail on a field KServe does not have.
func TestStrict(t *testing.T) {
	var rt servingRuntime
	err := yaml.UnmarshalStrict([]byte("apiVersion: serving.kserve.io/v1alpha1\nkind: ServingRuntime\nmetadata: {name: x}\nspec:\n  containers:\n  - name: c\n    imagePullPolicyy: Always\n"), &rt)
	if err == nil || !strings.Contains(err.Error(), "imagePullPolicyy") {
		t.Errorf("a misspelt container field: %v", err)
	}
	var isvc inferenceService
	err = yaml.UnmarshalStrict([]byte("apiVersion: v\nkind: k\nmetadata: {name: x}\nspec:\n  predictor:\n    maxReplica: 3\n"), &isvc)
	if err == nil || !strings.Contains(err.Error(), "maxReplica") {
		t.Errorf("a misspelt predictor field: %v", err)
	}
}

package reference

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ldamlab/ldamlab/ldam/backend"
	"github.com/ldamlab/ldamlab/ldam/losses"
	"github.com/ldamlab/ldamlab/ldam/models"
)

// array is an array as the reference's --one_step reads and writes it: little-endian float32
// ("f4", the default) or float64 ("f8"), base64-encoded.
type array struct {
	Shape []int  `json:"shape"`
	Data  string `json:"data"`
	DType string `json:"dtype,omitempty"`
}

func encode(shape []int, v []float32) array {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return array{Shape: shape, Data: base64.StdEncoding.EncodeToString(b)}
}

func (a array) values(t *testing.T) []float64 {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(a.Data)
	if err != nil {
		t.Fatal(err)
	}
	if a.DType == "f8" {
		v := make([]float64, len(b)/8)
		for i := range v {
			v[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
		return v
	}
	v := make([]float64, len(b)/4)
	for i := range v {
		v[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
	}
	return v
}

// relDiff is ‖a − b‖ / ‖b‖.
func relDiff(a, b []float64) float64 {
	var d, n float64
	for i := range a {
		d += (a[i] - b[i]) * (a[i] - b[i])
		n += b[i] * b[i]
	}
	return math.Sqrt(d) / math.Max(math.Sqrt(n), 1e-300)
}

// float64s reads a float32 or float64 tensor as float64s.
func float64s(t *tensors.Tensor) []float64 {
	if t.DType() == dtypes.Float64 {
		return tensors.MustCopyFlatData[float64](t)
	}
	f := tensors.MustCopyFlatData[float32](t)
	v := make([]float64, len(f))
	for i, x := range f {
		v[i] = float64(x)
	}
	return v
}

// stepResult is one training step's outcome, by variable path.
type stepResult struct {
	loss       float64
	logits     []float64
	gradients  map[string][]float64
	statistics map[string][]float64 // the batch norms' running averages after the step
}

// oneStepHere runs one training step of our ResNet-32 (width 0.5) on the Go backend in dtype,
// from the given float32 initial values (by path), on the batch.
func oneStepHere(t *testing.T, lossType string, dtype dtypes.DType, init map[string]*tensors.Tensor, images []float32, labels []int32, margins []float64) stepResult {
	t.Helper()
	be, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	net, err := models.New(models.Config{Arch: models.ResNet32, Classes: 10, Cosine: lossType == "LDAM", Width: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	for path, v := range init {
		// A fresh tensor: one tensor does not move between backends.
		val := tensors.FromFlatDataAndDimensions(tensors.MustCopyFlatData[float32](v), v.Shape().Dimensions...)
		if dtype == dtypes.Float64 {
			val = tensors.FromFlatDataAndDimensions(float64s(v), v.Shape().Dimensions...)
		}
		created, err := store.CreateVariable(path, val)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(path, "running_") {
			created.SetTrainable(false)
		}
	}
	B := len(labels)
	x := tensors.FromFlatDataAndDimensions(images, B, 32, 32, 3)
	if dtype == dtypes.Float64 {
		x = tensors.FromFlatDataAndDimensions(float64s(x), B, 32, 32, 3)
	}
	var trained []*model.Variable
	exec, err := model.NewExec(be, store, func(scope *model.Scope, x, y *Node) []*Node {
		g := x.Graph()
		scope.SetTraining(g, true)
		logits, _ := net(scope, []*Node{x})
		var loss *Node
		if lossType == "LDAM" {
			loss = losses.LDAM(logits, y, Const(g, margins), nil, losses.DefaultScale)
		} else {
			loss = losses.CrossEntropy(logits, y, nil)
		}
		var values []*Node
		trained = nil
		for v := range scope.IterVariables() {
			if v.Trainable && v.InUseByGraph(g) {
				trained = append(trained, v)
				values = append(values, v.NodeValue(g))
			}
		}
		return append([]*Node{loss, logits}, Gradient(loss, values...)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Call(x, tensors.FromFlatDataAndDimensions(labels, B))
	if err != nil {
		t.Fatal(err)
	}
	r := stepResult{loss: float64s(out[0])[0], logits: float64s(out[1]), gradients: map[string][]float64{}, statistics: map[string][]float64{}}
	for i, v := range trained {
		r.gradients[v.Path()] = float64s(out[2+i])
	}
	for path := range init {
		if strings.Contains(path, "running_") {
			r.statistics[path] = float64s(store.GetVariable(path).MustValue())
		}
	}
	return r
}

// TestOneStepMatchesTheOfficialModel: from the same weights and the same batch, one training
// step of our ResNet-32 — with the cosine classifier and the LDAM loss (s = 30, the margins of
// an imbalanced profile), and with the linear classifier and cross-entropy — gives the loss,
// logits, every parameter's gradient and the batch norms' running statistics of the reference's
// PyTorch model of the official code, in train mode. In float64 the two must agree to rounding
// (a wrong formula or layout differs by O(1)); in float32 both are compared with float64.
func TestOneStepMatchesTheOfficialModel(t *testing.T) {
	needTorch(t)
	for _, loss := range []string{"LDAM", "CE"} {
		t.Run(loss, func(t *testing.T) { oneStep(t, loss) })
	}
}

func oneStep(t *testing.T, lossType string) {
	const B, classes = 32, 10
	counts := []int{500, 299, 179, 107, 64, 38, 23, 13, 8, 5}
	margins, err := losses.LDAMMargins(counts, losses.DefaultMaxMargin)
	if err != nil {
		t.Fatal(err)
	}
	// A batch of normalized images (about zero mean, unit variance) with every class present.
	rng := rand.New(rand.NewPCG(7, 0))
	images := make([]float32, B*32*32*3)
	for i := range images {
		images[i] = float32(rng.NormFloat64())
	}
	labels := make([]int32, B)
	for i := range labels {
		labels[i] = int32(i % classes)
	}
	// Our initialization, in float32.
	be, err := backend.New("go")
	if err != nil {
		t.Fatal(err)
	}
	defer be.Finalize()
	net, err := models.New(models.Config{Arch: models.ResNet32, Classes: classes, Cosine: lossType == "LDAM", Width: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	store.SetParam(model.ParamInitialSeed, int64(11))
	initExec, err := model.NewExec(be, store, func(scope *model.Scope, x *Node) *Node {
		logits, _ := net(scope, []*Node{x})
		return logits
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := initExec.Call(tensors.FromFlatDataAndDimensions(images, B, 32, 32, 3)); err != nil {
		t.Fatal(err)
	}
	init := map[string]*tensors.Tensor{}
	vars := map[string]array{}
	for v := range store.IterVariables() {
		val := v.MustValue()
		if val.DType() != dtypes.Float32 { // the store's random-number state
			continue
		}
		init[v.Path()] = val
		vars[v.Path()] = encode(val.Shape().Dimensions, tensors.MustCopyFlatData[float32](val))
	}

	// The reference's step, in float32 and float64.
	dir := t.TempDir()
	b, err := json.Marshal(map[string]any{"loss_type": lossType, "classes": classes, "width": 0.5, "counts": counts, "labels": labels,
		"images": encode([]int{B, 32, 32, 3}, images), "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "in.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(Python(), filepath.Join(root(t), Script), "--one_step", filepath.Join(dir, "in.json"), "--one_step_out", filepath.Join(dir, "out.json"))
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("reference --one_step: %v\n%s", err, msg)
	}
	if b, err = os.ReadFile(filepath.Join(dir, "out.json")); err != nil {
		t.Fatal(err)
	}
	type step struct {
		Loss       float64          `json:"loss"`
		Logits     array            `json:"logits"`
		Gradients  map[string]array `json:"gradients"`
		Statistics map[string]array `json:"after"`
	}
	var ref struct {
		step
		Float64 step `json:"float64"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}

	// float64: the same arithmetic, to rounding.
	ours64 := oneStepHere(t, lossType, dtypes.Float64, init, images, labels, margins)
	if d := math.Abs(ours64.loss - ref.Float64.Loss); d > 1e-9*math.Max(1, ref.Float64.Loss) {
		t.Errorf("float64 loss: ours %.12f, the official model's %.12f", ours64.loss, ref.Float64.Loss)
	}
	if d := relDiff(ours64.logits, ref.Float64.Logits.values(t)); d > 1e-9 {
		t.Errorf("float64 logits differ by %.2g (relative)", d)
	}
	if len(ref.Float64.Gradients) != len(ours64.gradients) {
		t.Fatalf("%d gradients from the official model, %d trainable variables here", len(ref.Float64.Gradients), len(ours64.gradients))
	}
	worst := 0.0
	for path, g := range ours64.gradients {
		r, ok := ref.Float64.Gradients[path]
		if !ok {
			t.Errorf("no gradient of %s from the official model", path)
			continue
		}
		d := relDiff(g, r.values(t))
		worst = max(worst, d)
		if d > 1e-7 {
			t.Errorf("float64 gradient of %s differs by %.2g (relative)", path, d)
		}
	}
	for path, s := range ours64.statistics {
		if d := relDiff(s, ref.Float64.Statistics[path].values(t)); d > 1e-9 {
			t.Errorf("float64 %s after the step differs by %.2g", path, d)
		}
	}
	t.Logf("%s, float64: loss %.9f (official %.9f), largest gradient difference %.1e", lossType, ours64.loss, ref.Float64.Loss, worst)

	// float32: both within rounding of float64 (relative to the exact step).
	ours32 := oneStepHere(t, lossType, dtypes.Float32, init, images, labels, margins)
	if d := math.Abs(ours32.loss - ref.Float64.Loss); d > 1e-5*math.Max(1, ref.Float64.Loss) {
		t.Errorf("float32 loss: ours %.6f, exact %.6f", ours32.loss, ref.Float64.Loss)
	}
	var oursErr, torchErr float64
	for path, g := range ours32.gradients {
		exact := ref.Float64.Gradients[path].values(t)
		oursErr = max(oursErr, relDiff(g, exact))
		torchErr = max(torchErr, relDiff(ref.Gradients[path].values(t), exact))
	}
	t.Logf("%s, float32: largest relative gradient error against float64: ours %.1e, PyTorch's %.1e", lossType, oursErr, torchErr)
	if oursErr > 0.05 {
		t.Errorf("float32 gradients are %.2g off the exact step (PyTorch's %.2g)", oursErr, torchErr)
	}
}

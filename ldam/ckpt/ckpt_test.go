package ckpt

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

type trainingState struct {
	Epoch int
	Note  string
}

func TestSaveLoadRoundTrip(t *testing.T) {
	store := model.NewStore()
	store.VariableWithValue("/net/w", []float32{1, 2, 3})
	store.VariableWithValue("/global_step", int64(42))
	file := filepath.Join(t.TempDir(), "run.ckpt")
	if err := Save(file, store, trainingState{Epoch: 7, Note: "x"}); err != nil {
		t.Fatal(err)
	}
	// A fresh store: /net/w exists already (restored now), /global_step is created later
	// (restored through the loader when the graph creates it).
	fresh := model.NewStore()
	fresh.VariableWithValue("/net/w", []float32{0, 0, 0})
	var st trainingState
	if err := Load(file, fresh, &st); err != nil {
		t.Fatal(err)
	}
	if st.Epoch != 7 || st.Note != "x" {
		t.Errorf("state %+v", st)
	}
	if got := tensors.MustCopyFlatData[float32](fresh.GetVariable("/net/w").MustValue()); !slices.Equal(got, []float32{1, 2, 3}) {
		t.Errorf("restored /net/w = %v", got)
	}
	v := fresh.VariableWithValue("/global_step", int64(0))
	if got := v.MustValue().Value().(int64); got != 42 {
		t.Errorf("lazily restored /global_step = %d", got)
	}
}

func TestSaveIsAtomicAndLoadRejectsDamage(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "run.ckpt")
	store := model.NewStore()
	store.VariableWithValue("/w", []float32{1, 2})
	if err := Save(file, store, trainingState{Epoch: 1}); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(file)
	// A state that cannot be encoded fails before anything is written: the old file stays.
	if err := Save(file, store, func() {}); err == nil {
		t.Fatal("unencodable state accepted")
	}
	if now, _ := os.ReadFile(file); !slices.Equal(now, good) {
		t.Error("a failed save changed the checkpoint")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left: %d entries", len(entries))
	}
	for name, b := range map[string][]byte{
		"truncated": good[:len(good)-3],
		"not ours":  []byte("hello"),
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		err := Load(p, model.NewStore(), &trainingState{})
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s checkpoint: %v", name, err)
		}
	}
}

// TestSlim: a slim checkpoint keeps the weights, the learning rate and the state, loses the
// optimizer's buffers, is smaller, and slimming it again changes nothing.
func TestSlim(t *testing.T) {
	store := model.NewStore()
	store.VariableWithValue("/net/w", []float32{1, 2, 3})
	store.VariableWithValue("/optimizers/learning_rate", float32(0.001))
	store.VariableWithValue("/optimizers/sgd_momentum/net/w", []float32{9, 9, 9})
	store.VariableWithValue("/net/bn/mean", []float32{0.5})
	file := filepath.Join(t.TempDir(), "checkpoint.ckpt")
	if err := Save(file, store, trainingState{Epoch: 20, Note: "done"}); err != nil {
		t.Fatal(err)
	}
	before, after, err := Slim(file)
	if err != nil {
		t.Fatal(err)
	}
	if !(after < before) {
		t.Errorf("slim: %d bytes → %d", before, after)
	}
	if info, _ := os.Stat(file); info.Size() != after {
		t.Errorf("the file has %d bytes, Slim says %d", info.Size(), after)
	}
	fresh := model.NewStore()
	var st trainingState
	if err := Load(file, fresh, &st); err != nil {
		t.Fatal(err)
	}
	if st != (trainingState{Epoch: 20, Note: "done"}) {
		t.Errorf("state %+v", st)
	}
	for path, want := range map[string][]float32{"/net/w": {1, 2, 3}, "/net/bn/mean": {0.5}} {
		if got := tensors.MustCopyFlatData[float32](fresh.VariableWithValue(path, make([]float32, len(want))).MustValue()); !slices.Equal(got, want) {
			t.Errorf("%s = %v after slimming, want %v", path, got, want)
		}
	}
	if lr := fresh.VariableWithValue("/optimizers/learning_rate", float32(0)).MustValue().Value().(float32); lr != 0.001 {
		t.Errorf("learning rate %g after slimming", lr)
	}
	if got := tensors.MustCopyFlatData[float32](fresh.VariableWithValue("/optimizers/sgd_momentum/net/w", []float32{0, 0, 0}).MustValue()); !slices.Equal(got, []float32{0, 0, 0}) {
		t.Errorf("the momentum buffer survived slimming: %v", got)
	}
	again, same, err := Slim(file)
	if err != nil || again != after || same != after {
		t.Errorf("slimming twice: %d → %d (%v), want %d unchanged", again, same, err, after)
	}
	if err := os.WriteFile(file, []byte("LDAMLAB-CKPT-1\n\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Slim(file); err == nil || !strings.Contains(err.Error(), "not an LDAM Lab checkpoint") {
		t.Errorf("a damaged file: error %v", err)
	}
}

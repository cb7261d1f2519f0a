// Package ckpt saves and restores a GoMLX model Store (every variable: weights, batch-norm
// statistics, momentum buffers, the global step and the RNG state) together with a JSON training
// state, in one file written atomically: a crash while saving leaves the previous checkpoint
// intact. GoMLX's own checkpoint package writes its files in place, which an interrupted save
// can leave half-written.
package ckpt

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/ldamlab/ldamlab/datasets/fetch"
)

const magic = "LDAMLAB-CKPT-1\n"

type varHeader struct {
	Path   string
	DType  int
	Dims   []int
	Offset int64
	Length int64
}

type header struct {
	State json.RawMessage
	Vars  []varHeader
}

// Save writes every variable of store and state (JSON-encoded) to file atomically.
func Save(file string, store *model.Store, state any) error {
	st, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("ckpt: encoding state: %w", err)
	}
	var blobs [][]byte
	h := header{State: st}
	var off int64
	for v := range store.IterVariables() {
		t, err := v.Value()
		if err != nil {
			return fmt.Errorf("ckpt: variable %s: %w", v.Path(), err)
		}
		var b []byte
		if err := t.ConstBytes(func(data []byte) { b = bytes.Clone(data) }); err != nil {
			return fmt.Errorf("ckpt: variable %s: %w", v.Path(), err)
		}
		s := t.Shape()
		h.Vars = append(h.Vars, varHeader{Path: v.Path(), DType: int(s.DType), Dims: s.Dimensions, Offset: off, Length: int64(len(b))})
		blobs = append(blobs, b)
		off += int64(len(b))
	}
	hb, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return fetch.WriteAtomic(file, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		bw.WriteString(magic)
		binary.Write(bw, binary.LittleEndian, uint64(len(hb)))
		bw.Write(hb)
		for _, b := range blobs {
			if _, err := bw.Write(b); err != nil {
				return err
			}
		}
		return bw.Flush()
	})
}

// loader hands saved values to the Store as variables are created.
type loader struct {
	values map[string]*tensors.Tensor
}

// LoadVariable implements model.Loader.
func (l *loader) LoadVariable(_ *model.Store, fullPath string) (*tensors.Tensor, bool) {
	t, ok := l.values[fullPath]
	if ok {
		delete(l.values, fullPath)
	}
	return t, ok
}

// DeleteVariable implements model.Loader.
func (l *loader) DeleteVariable(_ *model.Store, fullPath string) error {
	delete(l.values, fullPath)
	return nil
}

// Load reads a checkpoint: state receives the JSON state; variables that already exist in
// store get their saved values now, the others when the graph creates them.
func Load(file string, store *model.Store, state any) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	h, data, err := parse(file, b)
	if err != nil {
		return err
	}
	if state != nil {
		if err := json.Unmarshal(h.State, state); err != nil {
			return fmt.Errorf("ckpt: %s has a corrupt state: %w", file, err)
		}
	}
	l := &loader{values: map[string]*tensors.Tensor{}}
	for _, v := range h.Vars {
		t := tensors.FromShape(shapes.Make(dtypes.DType(v.DType), v.Dims...))
		if int64(t.Shape().ByteSize()) != v.Length {
			return fmt.Errorf("ckpt: %s: variable %s has %d bytes for shape %s", file, v.Path, v.Length, t.Shape())
		}
		t.MutableBytes(func(dst []byte) { copy(dst, data[v.Offset:v.Offset+v.Length]) })
		if existing := store.GetVariable(v.Path); existing != nil {
			if err := existing.SetValue(t); err != nil {
				return fmt.Errorf("ckpt: restoring %s: %w", v.Path, err)
			}
			continue
		}
		l.values[v.Path] = t
	}
	store.SetLoader(l)
	return nil
}

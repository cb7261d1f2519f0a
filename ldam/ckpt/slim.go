package ckpt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ldamlab/ldamlab/datasets/fetch"
)

// optimizerScope holds the optimizers' variables: their state (SGD's momentum buffers, Adam's
// moments, accumulated gradients) and the learning rate.
const optimizerScope = "/optimizers/"

// learningRate is the one optimizer variable a slim checkpoint keeps (4 bytes; the schedule's
// value at the last epoch).
const learningRate = "/optimizers/learning_rate"

// OptimizerState reports whether a variable path is optimizer state, which only further
// training reads: everything under /optimizers/ but the learning rate.
func OptimizerState(path string) bool {
	return strings.HasPrefix(path, optimizerScope) && path != learningRate
}

// Slim rewrites the checkpoint file without its optimizer state (OptimizerState), atomically,
// and returns its size before and after. What a finished run is reopened for — evaluation,
// features, margins, a second stage — reads only the rest: the weights, the batch-norm
// statistics and the JSON state. Training on from a slim checkpoint would restart the
// optimizer's state from zero, so slim only the checkpoints of finished runs, never a first
// stage that a branch continues (stage1.ckpt). A checkpoint without optimizer state is left
// unchanged.
func Slim(file string) (before, after int64, err error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, 0, err
	}
	before = int64(len(b))
	h, data, err := parse(file, b)
	if err != nil {
		return 0, 0, err
	}
	kept := header{State: h.State}
	var blobs [][]byte
	var off int64
	for _, v := range h.Vars {
		if OptimizerState(v.Path) {
			continue
		}
		blobs = append(blobs, data[v.Offset:v.Offset+v.Length])
		v.Offset = off
		kept.Vars = append(kept.Vars, v)
		off += v.Length
	}
	if len(kept.Vars) == len(h.Vars) {
		return before, before, nil
	}
	hb, err := json.Marshal(kept)
	if err != nil {
		return 0, 0, err
	}
	err = fetch.WriteAtomic(file, func(w io.Writer) error {
		var out bytes.Buffer
		out.WriteString(magic)
		binary.Write(&out, binary.LittleEndian, uint64(len(hb)))
		out.Write(hb)
		for _, blob := range blobs {
			out.Write(blob)
		}
		after = int64(out.Len())
		_, err := w.Write(out.Bytes())
		return err
	})
	return before, after, err
}

// parse splits a checkpoint's bytes into its header and its data, checking that every variable
// lies inside the data.
func parse(file string, b []byte) (header, []byte, error) {
	var h header
	if len(b) < len(magic)+8 || string(b[:len(magic)]) != magic {
		return h, nil, fmt.Errorf("ckpt: %s is not an LDAM Lab checkpoint", file)
	}
	b = b[len(magic):]
	n := binary.LittleEndian.Uint64(b)
	b = b[8:]
	if n > uint64(len(b)) {
		return h, nil, fmt.Errorf("ckpt: %s is truncated (header of %d bytes in %d)", file, n, len(b))
	}
	if err := json.Unmarshal(b[:n], &h); err != nil {
		return h, nil, fmt.Errorf("ckpt: %s has a corrupt header: %w", file, err)
	}
	data := b[n:]
	for _, v := range h.Vars {
		if v.Offset < 0 || v.Length < 0 || v.Offset+v.Length > int64(len(data)) {
			return h, nil, fmt.Errorf("ckpt: %s is truncated at variable %s", file, v.Path)
		}
	}
	return h, data, nil
}

package experiment

import (
	"fmt"
	"iter"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"
)

// splitBatch cuts a batch into k micro-batches of ⌊B/k⌋ examples along the first axis of every
// input and label (the last B mod k examples are left out, so that every micro-batch has the
// same size and the mean of their mean losses is a mean over examples). The batch's tensors
// are finalized. A batch of fewer than k examples gives no micro-batch.
func splitBatch(b train.Batch, k int) ([]train.Batch, error) {
	defer b.Finalize()
	if k < 1 {
		return nil, fmt.Errorf("experiment: %d micro-batches per batch; use 1 or more", k)
	}
	n := b.Labels[0].Shape().Dimensions[0]
	size := n / k
	if size == 0 {
		return nil, nil
	}
	out := make([]train.Batch, k)
	for m := range out {
		out[m].Spec = b.Spec
	}
	cut := func(t *tensors.Tensor) ([]*tensors.Tensor, error) {
		sh := t.Shape()
		if sh.Rank() == 0 || sh.Dimensions[0] != n {
			return nil, fmt.Errorf("experiment: cannot split a tensor of shape %s into micro-batches of a batch of %d", sh, n)
		}
		dims := append([]int{size}, sh.Dimensions[1:]...)
		per := sh.Size() / n * size
		parts := make([]*tensors.Tensor, k)
		switch sh.DType {
		case dtypes.Float32:
			data := tensors.MustCopyFlatData[float32](t)
			for m := range parts {
				parts[m] = tensors.FromFlatDataAndDimensions(data[m*per:(m+1)*per:(m+1)*per], dims...)
			}
		case dtypes.Int32:
			data := tensors.MustCopyFlatData[int32](t)
			for m := range parts {
				parts[m] = tensors.FromFlatDataAndDimensions(data[m*per:(m+1)*per:(m+1)*per], dims...)
			}
		default:
			return nil, fmt.Errorf("experiment: micro-batches of %s tensors are not supported (float32 and int32 are)", sh.DType)
		}
		return parts, nil
	}
	for _, field := range []struct {
		in  []*tensors.Tensor
		out func(m int, t *tensors.Tensor)
	}{
		{b.Inputs, func(m int, t *tensors.Tensor) { out[m].Inputs = append(out[m].Inputs, t) }},
		{b.Labels, func(m int, t *tensors.Tensor) { out[m].Labels = append(out[m].Labels, t) }},
	} {
		for _, t := range field.in {
			parts, err := cut(t)
			if err != nil {
				return nil, err
			}
			for m, p := range parts {
				field.out(m, p)
			}
		}
	}
	return out, nil
}

// microBatches yields each batch of a training set as k micro-batches (see splitBatch).
type microBatches struct {
	ds train.Dataset
	k  int
}

// Name implements train.Dataset.
func (d microBatches) Name() string { return d.ds.Name() }

// Iter implements train.Dataset: one epoch of the underlying set, each batch as k micro-batches.
func (d microBatches) Iter() iter.Seq2[train.Batch, error] {
	return func(yield func(train.Batch, error) bool) {
		for b, err := range d.ds.Iter() {
			if err != nil {
				yield(b, err)
				return
			}
			parts, err := splitBatch(b, d.k)
			if err != nil {
				yield(train.Batch{}, err)
				return
			}
			for _, p := range parts {
				if !yield(p, nil) {
					return
				}
			}
		}
	}
}

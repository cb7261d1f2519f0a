// Copyright 2023-2026 The GoMLX Authors. SPDX-License-Identifier: Apache-2.0

package dataset

import (
	"fmt"
	"io"
	"iter"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/distributed"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/core/tensors/dtensor"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/support/xsync"
	"github.com/pkg/errors"
)

// bucketKey uniquely identifies a bucket by the shape and number of inputs/labels.
type bucketKey struct {
	numInputs, numLabels int
	inputShapes          []shapes.Shape
	labelShapes          []shapes.Shape
}

// bucket holds accumulated shards for a specific shape/number combination.
// No synchronization needed - only one goroutine modifies buckets.
type bucket struct {
	key bucketKey

	// Accumulated shards from source dataset
	// Pre-allocated with numInputShards capacity
	shards []shardBatch
}

// shardBatch represents a single batch from the source dataset.
type shardBatch struct {
	spec   any
	inputs []*tensors.Tensor
	labels []*tensors.Tensor
}

// distributedBatch represents a ready distributed batch.
type distributedBatch struct {
	spec   any
	inputs []*dtensor.Tensor
	labels []*dtensor.Tensor
	err    error // io.EOF or other error
}

// DistributedAccumulator is a dataset that is distributed across multiple devices, ready for
// distributed execution.
//
// It accumulates the shards from the source dataset and yields them as a single dtensor.Tensor.
type DistributedAccumulator struct {
	backend compute.Backend
	source  train.Dataset

	// Distribution parameters
	strategy                               distributed.Strategy
	numDevices                             int
	numInputShards                         int // Number of shards to read from source (can be < numDevices if replicated)
	inputShardingSpecs, labelShardingSpecs []*distributed.ShardingSpec
	deviceAssignment                       []compute.DeviceNum

	// Statistics - protected by SyncMap for concurrent access
	stats xsync.SyncMap[string, int] // key (string) -> count (int) of source inputs seen
}

// Compile time check that DistributedAccumulator implements both train.Dataset and train.DistributedDataset.
var _ train.DistributedDataset = (*DistributedAccumulator)(nil)
var _ train.Dataset = (*DistributedAccumulator)(nil)

// NewDistributedAccumulator creates a distributed dataset from the given source dataset, by accumulating the shards
// and yielding them as a single dtensor.Tensor.
//
// It uses the given strategy to distribute the data across the devices.
// The input and label sharding specs are used to specify how the data should be distributed.
//
// deviceAssignment can be nil, in which case a default sequential assignment (starting from 0) is used.
//
// The last element of inputShardingSpec is used if there are more inputs than specs defined.
// The same for labels.
func NewDistributedAccumulator(backend compute.Backend, source train.Dataset, strategy distributed.Strategy,
	inputShardingSpecs, labelShardingSpecs []*distributed.ShardingSpec,
	deviceAssignment []compute.DeviceNum) (
	*DistributedAccumulator, error) {
	if backend == nil {
		return nil, errors.New("backend cannot be nil")
	}
	if source == nil {
		return nil, errors.New("source dataset cannot be nil")
	}
	if len(inputShardingSpecs) == 0 {
		return nil, errors.New("input sharding specs cannot be empty")
	}

	// Infer numDevices from meshes in sharding specs
	numDevices := 0
	seenMeshes := make(map[*distributed.DeviceMesh]bool)

	allSpecs := append(inputShardingSpecs, labelShardingSpecs...)
	for _, spec := range allSpecs {
		if spec == nil || spec.Mesh == nil {
			continue
		}
		if !seenMeshes[spec.Mesh] {
			seenMeshes[spec.Mesh] = true
			meshNumDevices := spec.Mesh.NumDevices()
			if numDevices == 0 {
				numDevices = meshNumDevices
			} else if numDevices != meshNumDevices {
				return nil, errors.Errorf(
					"inconsistent number of devices across meshes: found %d and %d",
					numDevices, meshNumDevices)
			}
		}
	}

	if numDevices == 0 {
		return nil, errors.New("could not infer numDevices from sharding specs: no valid meshes found")
	}

	// Create default device assignment if nil (sequential, starting from 0)
	if deviceAssignment == nil {
		deviceAssignment = make([]compute.DeviceNum, numDevices)
		for i := range numDevices {
			deviceAssignment[i] = compute.DeviceNum(i)
		}
	} else if len(deviceAssignment) != numDevices {
		return nil, errors.Errorf("device assignment length (%d) must match numDevices (%d)",
			len(deviceAssignment), numDevices)
	}

	// Calculate numInputShards: for each spec, calculate how many shards it needs independently.
	// All non-replicated specs must have the same specNumInputShards, otherwise behavior is undefined.
	// Replicated specs (specNumInputShards == 1) are allowed to differ as they only use the first shard.
	numInputShards := -1
	for _, spec := range allSpecs {
		if spec == nil {
			continue
		}
		specNumShards := numShardsForSpec(spec)
		// Skip fully replicated specs (they can have different specNumInputShards)
		if specNumShards == 1 {
			continue
		}
		if numInputShards == -1 {
			numInputShards = specNumShards
		} else if specNumShards != numInputShards {
			return nil, errors.Errorf(
				"inconsistent specNumInputShards across non-replicated specs: found %d and %d (behavior undefined when specs require different numbers of input shards)",
				numInputShards, specNumShards)
		}
	}

	// If no non-replicated specs found, default to 1 (fully replicated)
	if numInputShards == -1 {
		numInputShards = 1
	}

	ds := &DistributedAccumulator{
		backend:            backend,
		source:             source,
		strategy:           strategy,
		numDevices:         numDevices,
		numInputShards:     numInputShards,
		inputShardingSpecs: inputShardingSpecs,
		labelShardingSpecs: labelShardingSpecs,
		deviceAssignment:   deviceAssignment,
	}

	return ds, nil
}

// Name implements train.Dataset.
func (ds *DistributedAccumulator) Name() string {
	return "Distributed(" + ds.source.Name() + ")"
}

// finalize finalizes (frees) all tensors in the batch.
func (b *distributedBatch) finalize() {
	if b == nil {
		return
	}
	for _, t := range b.inputs {
		if t != nil {
			_ = t.FinalizeAll()
		}
	}
	for _, t := range b.labels {
		if t != nil {
			_ = t.FinalizeAll()
		}
	}
}

// Strategy implements train.DistributedDataset.
func (ds *DistributedAccumulator) Strategy() distributed.Strategy {
	return ds.strategy
}

// DeviceAssignment implements train.DistributedDataset.
func (ds *DistributedAccumulator) DeviceAssignment() []compute.DeviceNum {
	return ds.deviceAssignment
}

// bucketKeyString creates a string key for the bucket.
// Uses strings.Builder for performance (called in inner loop).
func bucketKeyString(key bucketKey) string {
	var sb strings.Builder
	sb.WriteString("inputs:")
	sb.WriteString(fmt.Sprintf("%d[", key.numInputs))
	for i, shape := range key.inputShapes {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(shape.String())
	}
	sb.WriteString("]labels:")
	sb.WriteString(fmt.Sprintf("%d[", key.numLabels))
	for i, shape := range key.labelShapes {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(shape.String())
	}
	sb.WriteString("]")
	return sb.String()
}

// numShardsForSpec calculates the number of shards needed for a given ShardingSpec.
// This is the product of sizes of mesh axes that are actually used (sharded) in the spec.
// Returns 1 if the spec is fully replicated.
func numShardsForSpec(spec *distributed.ShardingSpec) int {
	if spec == nil || spec.Mesh == nil || spec.IsReplicated() {
		return 1
	}
	meshAxesUsed := make(map[string]bool)
	for _, axisSpec := range spec.Axes {
		for _, meshAxis := range axisSpec {
			meshAxesUsed[meshAxis] = true
		}
	}
	numShards := 1
	for meshAxis := range meshAxesUsed {
		axisSize, err := spec.Mesh.AxisSize(meshAxis)
		if err == nil {
			numShards *= axisSize
		}
	}
	return numShards
}

// aggregateShards aggregates shards into distributed tensors and moves them to devices.
// Returns a distributedBatch ready to be sent to the channel.
func (ds *DistributedAccumulator) aggregateShards(shardsToUse []shardBatch, spec any) (*distributedBatch, error) {
	if len(shardsToUse) != ds.numInputShards {
		return nil, errors.Errorf("expected %d input shards, got %d", ds.numInputShards, len(shardsToUse))
	}

	if len(shardsToUse) == 0 {
		return nil, errors.New("no shards to aggregate")
	}

	// Determine shapes from first shard
	firstShard := shardsToUse[0]
	numInputs := len(firstShard.inputs)
	numLabels := len(firstShard.labels)

	// Aggregate inputs
	distributedInputs := make([]*dtensor.Tensor, numInputs)
	for inputIdx := range numInputs {
		// Use the last spec if inputIdx is beyond the number of specs provided
		specIdx := inputIdx
		if specIdx >= len(ds.inputShardingSpecs) {
			specIdx = len(ds.inputShardingSpecs) - 1
		}
		spec := ds.inputShardingSpecs[specIdx]
		if spec == nil {
			return nil, errors.Errorf("input sharding spec #%d is nil", specIdx)
		}

		// Collect shards for this input from source
		sourceShards := make([]*tensors.Tensor, ds.numInputShards)
		for i, sb := range shardsToUse {
			if inputIdx >= len(sb.inputs) {
				return nil, errors.Errorf("shard batch #%d has only %d inputs, need input #%d",
					i, len(sb.inputs), inputIdx)
			}
			sourceShards[i] = sb.inputs[inputIdx]
		}

		// Calculate how many shards this spec needs
		numShardsNeeded := numShardsForSpec(spec)

		// Handle replication: we always need numDevices shards for dtensor.NewTensor
		shards := make([]*tensors.Tensor, ds.numDevices)
		if spec.IsReplicated() {
			// Fully replicated: clone first shard to all devices
			firstShard := sourceShards[0]
			shards[0] = firstShard // Keep the first one
			for i := 1; i < ds.numDevices; i++ {
				var err error
				shards[i], err = firstShard.Clone()
				if err != nil {
					return nil, errors.WithMessagef(err, "failed to clone shard for replication for input #%d", inputIdx)
				}
			}
			// Finalize the extra source shards we don't need
			for i := 1; i < len(sourceShards); i++ {
				sourceShards[i].FinalizeAll()
			}
		} else {
			// Not fully replicated: replicate sourceShards across replicated mesh axes
			// numShardsNeeded equals numInputShards (validated during construction)
			// specNumDevices is the total number of devices in this spec's mesh
			specNumDevices := spec.Mesh.NumDevices()
			replicationFactor := specNumDevices / numShardsNeeded
			if replicationFactor*numShardsNeeded != specNumDevices {
				return nil, errors.Errorf("input #%d: spec mesh has %d devices which must be divisible by numShardsNeeded (%d)",
					inputIdx, specNumDevices, numShardsNeeded)
			}

			// Replicate each source shard replicationFactor times
			shardIdx := 0
			for i := range numShardsNeeded {
				for j := range replicationFactor {
					if j == 0 {
						// First replication: use the original shard
						shards[shardIdx] = sourceShards[i]
					} else {
						// Subsequent replications: clone the shard
						var err error
						shards[shardIdx], err = sourceShards[i].Clone()
						if err != nil {
							return nil, errors.WithMessagef(err, "failed to clone shard %d for replication for input #%d", i, inputIdx)
						}
					}
					shardIdx++
				}
			}

			// Verify we filled exactly specNumDevices shards
			if shardIdx != specNumDevices {
				return nil, errors.Errorf("input #%d: expected to fill %d shards, but filled %d",
					inputIdx, specNumDevices, shardIdx)
			}
		}

		// Move shards to devices in parallel
		err := ds.moveShardsToDevices(shards)
		if err != nil {
			return nil, errors.WithMessagef(err, "failed to move input #%d shards to devices", inputIdx)
		}

		// Create distributed tensor
		dt, err := dtensor.NewTensor(spec, shards)
		if err != nil {
			return nil, errors.WithMessagef(err, "failed to create distributed tensor for input #%d", inputIdx)
		}
		distributedInputs[inputIdx] = dt
	}

	// Aggregate labels
	if numLabels > 0 && len(ds.labelShardingSpecs) == 0 {
		return nil, errors.New("label sharding specs cannot be empty when there are labels")
	}
	distributedLabels := make([]*dtensor.Tensor, numLabels)
	for labelIdx := range numLabels {
		// Use the last spec if labelIdx is beyond the number of specs provided
		specIdx := labelIdx
		if specIdx >= len(ds.labelShardingSpecs) {
			specIdx = len(ds.labelShardingSpecs) - 1
		}
		spec := ds.labelShardingSpecs[specIdx]
		if spec == nil {
			return nil, errors.Errorf("label sharding spec #%d is nil", specIdx)
		}

		// Collect shards for this label from source
		sourceShards := make([]*tensors.Tensor, ds.numInputShards)
		for i, sb := range shardsToUse {
			if labelIdx >= len(sb.labels) {
				return nil, errors.Errorf("shard batch #%d has only %d labels, need label #%d",
					i, len(sb.labels), labelIdx)
			}
			sourceShards[i] = sb.labels[labelIdx]
		}

		// Calculate how many shards this spec needs
		numShardsNeeded := numShardsForSpec(spec)

		// Handle replication: we always need numDevices shards for dtensor.NewTensor
		shards := make([]*tensors.Tensor, ds.numDevices)
		if spec.IsReplicated() {
			// Fully replicated: clone first shard to all devices
			firstShard := sourceShards[0]
			shards[0] = firstShard // Keep the first one
			for i := 1; i < ds.numDevices; i++ {
				var err error
				shards[i], err = firstShard.Clone()
				if err != nil {
					return nil, errors.WithMessagef(err, "failed to clone shard for replication for label #%d", labelIdx)
				}
			}
			// Finalize the extra source shards we don't need
			for i := 1; i < len(sourceShards); i++ {
				sourceShards[i].FinalizeAll()
			}
		} else {
			// Not fully replicated: replicate sourceShards across replicated mesh axes
			// numShardsNeeded equals numInputShards (validated during construction)
			// specNumDevices is the total number of devices in this spec's mesh
			specNumDevices := spec.Mesh.NumDevices()
			replicationFactor := specNumDevices / numShardsNeeded
			if replicationFactor*numShardsNeeded != specNumDevices {
				return nil, errors.Errorf("label #%d: spec mesh has %d devices which must be divisible by numShardsNeeded (%d)",
					labelIdx, specNumDevices, numShardsNeeded)
			}

			// Replicate each source shard replicationFactor times
			shardIdx := 0
			for i := range numShardsNeeded {
				for j := range replicationFactor {
					if j == 0 {
						// First replication: use the original shard
						shards[shardIdx] = sourceShards[i]
					} else {
						// Subsequent replications: clone the shard
						var err error
						shards[shardIdx], err = sourceShards[i].Clone()
						if err != nil {
							return nil, errors.WithMessagef(err, "failed to clone shard %d for replication for label #%d", i, labelIdx)
						}
					}
					shardIdx++
				}
			}

			// Verify we filled exactly specNumDevices shards
			if shardIdx != specNumDevices {
				return nil, errors.Errorf("label #%d: expected to fill %d shards, but filled %d",
					labelIdx, specNumDevices, shardIdx)
			}
		}

		// Move shards to devices in parallel
		err := ds.moveShardsToDevices(shards)
		if err != nil {
			return nil, errors.WithMessagef(err, "failed to move label #%d shards to devices", labelIdx)
		}

		// Create distributed tensor
		dt, err := dtensor.NewTensor(spec, shards)
		if err != nil {
			return nil, errors.WithMessagef(err, "failed to create distributed tensor for label #%d", labelIdx)
		}
		distributedLabels[labelIdx] = dt
	}

	// Finalize local copies of source tensors
	for _, sb := range shardsToUse {
		for _, t := range sb.inputs {
			t.FinalizeLocal()
		}
		for _, t := range sb.labels {
			t.FinalizeLocal()
		}
	}

	return &distributedBatch{
		spec:   spec,
		inputs: distributedInputs,
		labels: distributedLabels,
	}, nil
}

// moveShardsToDevices moves shards to their corresponding devices in parallel.
func (ds *DistributedAccumulator) moveShardsToDevices(shards []*tensors.Tensor) error {
	if len(shards) != len(ds.deviceAssignment) {
		return errors.Errorf("number of shards (%d) doesn't match device assignment (%d)",
			len(shards), len(ds.deviceAssignment))
	}

	var wg sync.WaitGroup
	errCh := make(chan error, len(shards))

	for i, shard := range shards {
		wg.Add(1)
		go func(idx int, s *tensors.Tensor) {
			defer wg.Done()
			deviceNum := ds.deviceAssignment[idx]
			err := s.MaterializeOnDevice(ds.backend, false, deviceNum)
			if err != nil {
				errCh <- errors.WithMessagef(err, "failed to materialize shard #%d on device %d", idx, deviceNum)
			}
		}(i, shard)
	}

	wg.Wait()
	close(errCh)

	// Collect any errors
	var firstErr error
	for err := range errCh {
		if firstErr == nil {
			firstErr = err
		}
	}

	return firstErr
}

// runReader is the background goroutine that reads from source dataset, accumulates shards,
// aggregates them, and sends ready batches to the channel.
// finalizeBuckets finalizes (frees) all tensors in the given buckets map and clears it.
func finalizeBuckets(buckets map[string]*bucket) {
	for _, b := range buckets {
		for _, sb := range b.shards {
			for _, t := range sb.inputs {
				t.FinalizeAll()
			}
			for _, t := range sb.labels {
				t.FinalizeAll()
			}
		}
	}
	clear(buckets)
}

// runReader is the background goroutine that reads from source dataset, accumulates shards,
// aggregates them, and sends ready batches to the channel.
func (ds *DistributedAccumulator) runReader(stopLatch *xsync.Latch, nextBatch chan *distributedBatch) {
	defer close(nextBatch)

	// Local buckets for this iteration - no synchronization needed.
	buckets := make(map[string]*bucket)

	for batch, err := range ds.source.Iter() {
		select {
		case <-stopLatch.WaitChan():
			finalizeBuckets(buckets)
			return
		default:
		}

		if err != nil {
			finalizeBuckets(buckets)
			select {
			case nextBatch <- &distributedBatch{err: err}:
			case <-stopLatch.WaitChan():
			}
			return
		}

		sourceInputs := batch.Inputs
		sourceLabels := batch.Labels
		sourceSpec := batch.Spec

		// Create bucket key
		key := bucketKey{
			numInputs:   len(sourceInputs),
			numLabels:   len(sourceLabels),
			inputShapes: make([]shapes.Shape, len(sourceInputs)),
			labelShapes: make([]shapes.Shape, len(sourceLabels)),
		}
		for i, t := range sourceInputs {
			key.inputShapes[i] = t.Shape()
		}
		for i, t := range sourceLabels {
			key.labelShapes[i] = t.Shape()
		}

		// Update statistics
		keyStr := bucketKeyString(key)
		if val, ok := ds.stats.Load(keyStr); ok {
			ds.stats.Store(keyStr, val+1)
		} else {
			ds.stats.Store(keyStr, 1)
		}

		// Get or create bucket
		b, exists := buckets[keyStr]
		if !exists {
			b = &bucket{
				key:    key,
				shards: make([]shardBatch, 0, ds.numInputShards),
			}
			buckets[keyStr] = b
		}

		// Add shard to bucket
		b.shards = append(b.shards, shardBatch{
			spec:   sourceSpec,
			inputs: sourceInputs,
			labels: sourceLabels,
		})

		// Check if we have enough shards to aggregate
		if len(b.shards) >= ds.numInputShards {
			// Extract shards
			shardsToUse := make([]shardBatch, ds.numInputShards)
			copy(shardsToUse, b.shards[:ds.numInputShards])
			b.shards = b.shards[ds.numInputShards:]

			// Aggregate shards
			db, err := ds.aggregateShards(shardsToUse, sourceSpec)
			if err != nil {
				finalizeBuckets(buckets)
				select {
				case nextBatch <- &distributedBatch{err: err}:
				case <-stopLatch.WaitChan():
				}
				return
			}

			// Send to channel (blocking if channel is full)
			select {
			case nextBatch <- db:
			case <-stopLatch.WaitChan():
				finalizeBuckets(buckets)
				return
			}
		}
	}

	// End of source dataset - check if we have any ready buckets to send
	ds.sendReadyBatch(buckets, stopLatch, nextBatch)

	// Clean up any remaining shards in the buckets (which didn't form full batches)
	finalizeBuckets(buckets)

	select {
	case nextBatch <- &distributedBatch{err: io.EOF}:
	case <-stopLatch.WaitChan():
	}
}

// sendReadyBatch checks all buckets and sends the first ready batch if available.
func (ds *DistributedAccumulator) sendReadyBatch(buckets map[string]*bucket, stopLatch *xsync.Latch, nextBatch chan *distributedBatch) {
	for _, b := range buckets {
		if len(b.shards) >= ds.numInputShards {
			shardsToUse := make([]shardBatch, ds.numInputShards)
			copy(shardsToUse, b.shards[:ds.numInputShards])
			b.shards = b.shards[ds.numInputShards:]

			batch, err := ds.aggregateShards(shardsToUse, shardsToUse[0].spec)
			if err != nil {
				select {
				case nextBatch <- &distributedBatch{err: err}:
				case <-stopLatch.WaitChan():
				}
				return
			}

			select {
			case nextBatch <- batch:
			case <-stopLatch.WaitChan():
			}
			return
		}
	}
}

// Iter implements train.Dataset.
func (ds *DistributedAccumulator) Iter() iter.Seq2[train.Batch, error] {
	return func(yield func(train.Batch, error) bool) {
		yield(train.Batch{}, errors.New("the DistributedAccumulator dataset was meant to be used in a distributed manner; "+
			"either add support for DistributedDatasets or use a normal Dataset instead"))
	}
}

// DistributedIter implements train.DistributedDataset.
func (ds *DistributedAccumulator) DistributedIter() iter.Seq2[train.DistributedBatch, error] {
	return func(yield func(train.DistributedBatch, error) bool) {
		stopLatch := xsync.NewLatch()
		nextBatch := make(chan *distributedBatch, 1)

		var wg sync.WaitGroup
		defer func() {
			stopLatch.Trigger()
			// Drain nextBatch to unblock runReader if it is sending, and finalize the tensors.
			for batch := range nextBatch {
				batch.finalize()
			}
			wg.Wait()
		}()

		// Start background goroutine to read and aggregate shards
		wg.Go(func() {
			ds.runReader(stopLatch, nextBatch)
		})

		for {
			var batch *distributedBatch
			select {
			case batch = <-nextBatch:
			case <-stopLatch.WaitChan():
				return
			}
			if batch == nil {
				return
			}
			if batch.err != nil {
				if batch.err == io.EOF {
					return
				}
				yield(train.DistributedBatch{}, batch.err)
				return
			}
			db := train.DistributedBatch{
				Spec:   batch.spec,
				Inputs: batch.inputs,
				Labels: batch.labels,
			}
			if !yield(db, nil) {
				return
			}
		}
	}
}

// Stats returns information on the number of source inputs of each shape/number seen so far.
func (ds *DistributedAccumulator) Stats() map[string]int {
	result := make(map[string]int)
	ds.stats.Range(func(key string, value int) bool {
		result[key] = value
		return true
	})
	return result
}

// StatsString returns a pretty-print version of the statistics for debugging.
func (ds *DistributedAccumulator) StatsString() string {
	stats := ds.Stats()
	if len(stats) == 0 {
		return "No statistics collected yet"
	}

	var s strings.Builder
	s.WriteString(fmt.Sprintf("Distributed Dataset Statistics (%d bucket types):\n", len(stats)))
	for key, count := range stats {
		s.WriteString(fmt.Sprintf("  %s: %d batches\n", key, count))
	}
	return s.String()
}

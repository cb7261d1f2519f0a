// Copyright 2023-2026 The GoMLX Authors. SPDX-License-Identifier: Apache-2.0

package dataset

import (
	"iter"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/distributed"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train"
	"github.com/gomlx/gomlx/support/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/gomlx/gomlx/backends/default"
)

// mockDataset is a simple mock dataset that yields a fixed number of batches.
type mockDataset struct {
	name       string
	numBatches int
	inputShape shapes.Shape
	labelShape shapes.Shape
}

func (ds *mockDataset) Name() string {
	return ds.name
}

func (ds *mockDataset) Iter() iter.Seq2[train.Batch, error] {
	return func(yield func(train.Batch, error) bool) {
		for currentBatch := 0; currentBatch < ds.numBatches; currentBatch++ {
			// Create trivial input and label tensors
			input := tensors.FromShape(ds.inputShape)
			label := tensors.FromShape(ds.labelShape)

			batch := train.Batch{
				Inputs: []*tensors.Tensor{input},
				Labels: []*tensors.Tensor{label},
			}
			if !yield(batch, nil) {
				return
			}
		}
	}
}

// heterogeneousMockDataset yields batches with different shapes.
type heterogeneousMockDataset struct {
	name                               string
	numBatchesShape1, numBatchesShape2 int
	inputShape1, inputShape2           shapes.Shape
	labelShape1, labelShape2           shapes.Shape
}

func (ds *heterogeneousMockDataset) Name() string {
	return ds.name
}

func (ds *heterogeneousMockDataset) Iter() iter.Seq2[train.Batch, error] {
	return func(yield func(train.Batch, error) bool) {
		currentBatchShape1 := 0
		currentBatchShape2 := 0
		for {
			if currentBatchShape1 >= ds.numBatchesShape1 && currentBatchShape2 >= ds.numBatchesShape2 {
				return
			}

			var inputShape, labelShape shapes.Shape
			if currentBatchShape1 < ds.numBatchesShape1 &&
				(currentBatchShape1 <= currentBatchShape2 || currentBatchShape2 >= ds.numBatchesShape2) {
				inputShape = ds.inputShape1
				labelShape = ds.labelShape1
				currentBatchShape1++
			} else {
				inputShape = ds.inputShape2
				labelShape = ds.labelShape2
				currentBatchShape2++
			}

			input := tensors.FromShape(inputShape)
			label := tensors.FromShape(labelShape)

			batch := train.Batch{
				Inputs: []*tensors.Tensor{input},
				Labels: []*tensors.Tensor{label},
			}
			if !yield(batch, nil) {
				return
			}
		}
	}
}

func TestDistributedAccumulator(t *testing.T) {
	testutil.TestOfficialBackends(t, func(t *testing.T, backend compute.Backend) {
		if backend.NumDevices() < 4 {
			t.Skipf("Backend %s: %s\nSkipping distributed test because backend only has %d devices, need at least 4",
				backend, backend.Description(), backend.NumDevices())
		}

		t.Run("Mesh({2}, {\"shards\"})", func(t *testing.T) {
			// Simple data distribution with only two shards
			mesh, err := distributed.NewDeviceMesh([]int{2}, []string{"shards"})
			require.NoError(t, err)

			inputSpec, err := distributed.BuildSpec(mesh).S("shards").Done()
			require.NoError(t, err)
			labelSpec, err := distributed.BuildSpec(mesh).S("shards").Done()
			require.NoError(t, err)

			// Create mock source dataset that yields 100 batches
			sourceShape := shapes.Make(dtypes.Float32, 10, 5)
			labelShape := shapes.Make(dtypes.Float32, 10)
			source := &mockDataset{
				name:       "mockSource",
				numBatches: 100,
				inputShape: sourceShape,
				labelShape: labelShape,
			}

			// Create distributed dataset
			distDS, err := NewDistributedAccumulator(
				backend,
				source,
				distributed.AutoSharding,
				[]*distributed.ShardingSpec{inputSpec},
				[]*distributed.ShardingSpec{labelSpec},
				nil, // deviceAssignment - use default
			)
			require.NoError(t, err)

			// Check that Distributed yields only 50 batches before EOF
			batchCount := 0
			for batch, err := range distDS.DistributedIter() {
				require.NoError(t, err)
				inputs := batch.Inputs
				labels := batch.Labels
				require.Len(t, inputs, 1)
				require.Len(t, labels, 1)

				// Check that the distributed tensors have 2 shards
				require.Len(t, inputs[0].Shards(), 2, "Input should have 2 shards")
				require.Len(t, labels[0].Shards(), 2, "Label should have 2 shards")

				// Check that shards are on correct devices (0 and 1)
				for i, shard := range inputs[0].Shards() {
					deviceNum, err := shard.Device()
					require.NoError(t, err)
					assert.Equal(t, compute.DeviceNum(i), deviceNum, "Input shard %d should be on device %d", i, i)
				}
				for i, shard := range labels[0].Shards() {
					deviceNum, err := shard.Device()
					require.NoError(t, err)
					assert.Equal(t, compute.DeviceNum(i), deviceNum, "Label shard %d should be on device %d", i, i)
				}

				batchCount++
				_ = batch.Finalize()
			}
			assert.Equal(t, 50, batchCount, "Should yield 50 distributed batches from 100 source batches")

			// Reset and restart once by re-iterating
			batchCount = 0
			for batch, err := range distDS.DistributedIter() {
				require.NoError(t, err)
				inputs := batch.Inputs
				labels := batch.Labels
				require.Len(t, inputs, 1)
				require.Len(t, labels, 1)
				require.Len(t, inputs[0].Shards(), 2)
				require.Len(t, labels[0].Shards(), 2)
				batchCount++
				_ = batch.Finalize()
			}
			assert.Equal(t, 50, batchCount, "After reset, should still yield 50 distributed batches")
		})

		t.Run("Mesh({2}, {\"replicas\"})", func(t *testing.T) {
			// Simple replication with 2 devices, every input is replicated
			mesh, err := distributed.NewDeviceMesh([]int{2}, []string{"replicas"})
			require.NoError(t, err)

			// Both input and label are replicated
			inputSpec, err := distributed.BuildSpec(mesh).R().Done()
			require.NoError(t, err)
			labelSpec, err := distributed.BuildSpec(mesh).R().Done()
			require.NoError(t, err)

			// Create mock source dataset that yields 100 batches
			sourceShape := shapes.Make(dtypes.Float32, 10, 5)
			labelShape := shapes.Make(dtypes.Float32, 10)
			source := &mockDataset{
				name:       "mockSource",
				numBatches: 100,
				inputShape: sourceShape,
				labelShape: labelShape,
			}

			// Create distributed dataset
			distDS, err := NewDistributedAccumulator(
				backend,
				source,
				distributed.AutoSharding,
				[]*distributed.ShardingSpec{inputSpec},
				[]*distributed.ShardingSpec{labelSpec},
				nil, // deviceAssignment - use default
			)
			require.NoError(t, err)

			// Check that Distributed yields 100 batches (same as source, since numInputShards = 1)
			batchCount := 0
			for batch, err := range distDS.DistributedIter() {
				require.NoError(t, err)
				inputs := batch.Inputs
				labels := batch.Labels
				require.Len(t, inputs, 1)
				require.Len(t, labels, 1)

				// Check that the distributed tensors have 2 shards (replicated across 2 devices)
				require.Len(t, inputs[0].Shards(), 2, "Input should have 2 shards (replicated)")
				require.Len(t, labels[0].Shards(), 2, "Label should have 2 shards (replicated)")

				// Check that shards are on correct devices (0 and 1)
				for i, shard := range inputs[0].Shards() {
					deviceNum, err := shard.Device()
					require.NoError(t, err)
					assert.Equal(t, compute.DeviceNum(i), deviceNum, "Input shard %d should be on device %d", i, i)
				}
				for i, shard := range labels[0].Shards() {
					deviceNum, err := shard.Device()
					require.NoError(t, err)
					assert.Equal(t, compute.DeviceNum(i), deviceNum, "Label shard %d should be on device %d", i, i)
				}

				batchCount++
				_ = batch.Finalize()
			}
			assert.Equal(t, 100, batchCount, "Should yield 100 distributed batches from 100 source batches (numInputShards = 1)")
		})

		t.Run("Mesh({2, 2}, {\"shards\", \"replicas\"})", func(t *testing.T) {
			// Mesh with 2x2 = 4 devices, with shards and replicas
			// Input is sharded on "shards" axis (size 2), so we need 2 input shards
			// Each shard is then replicated across "replicas" axis (size 2), giving 4 total shards
			mesh, err := distributed.NewDeviceMesh([]int{2, 2}, []string{"shards", "replicas"})
			require.NoError(t, err)

			// Input is sharded on "shards" axis, label is replicated
			inputSpec, err := distributed.BuildSpec(mesh).S("shards").Done()
			require.NoError(t, err)
			labelSpec, err := distributed.BuildSpec(mesh).R().Done()
			require.NoError(t, err)

			// Create mock source dataset that yields 100 batches
			sourceShape := shapes.Make(dtypes.Float32, 10, 5)
			labelShape := shapes.Make(dtypes.Float32, 10)
			source := &mockDataset{
				name:       "mockSource",
				numBatches: 100,
				inputShape: sourceShape,
				labelShape: labelShape,
			}

			// Create distributed dataset
			distDS, err := NewDistributedAccumulator(
				backend,
				source,
				distributed.AutoSharding,
				[]*distributed.ShardingSpec{inputSpec},
				[]*distributed.ShardingSpec{labelSpec},
				nil, // deviceAssignment - use default
			)
			require.NoError(t, err)

			// Check that Distributed yields 50 batches (100 / 2 input shards)
			batchCount := 0
			for batch, err := range distDS.DistributedIter() {
				require.NoError(t, err)
				inputs := batch.Inputs
				labels := batch.Labels
				require.Len(t, inputs, 1)
				require.Len(t, labels, 1)

				// Check that the distributed batch has 4 shards (2 shards x 2 replicas)
				require.Len(t, inputs[0].Shards(), 4, "Input should have 4 shards (2 shards x 2 replicas)")
				require.Len(t, labels[0].Shards(), 4, "Label should have 4 shards (replicated across 4 devices)")

				// Check that shards are on correct devices (0, 1, 2, 3)
				for i, shard := range inputs[0].Shards() {
					deviceNum, err := shard.Device()
					require.NoError(t, err)
					assert.Equal(t, compute.DeviceNum(i), deviceNum, "Input shard %d should be on device %d", i, i)
				}
				for i, shard := range labels[0].Shards() {
					deviceNum, err := shard.Device()
					require.NoError(t, err)
					assert.Equal(t, compute.DeviceNum(i), deviceNum, "Label shard %d should be on device %d", i, i)
				}

				batchCount++
				_ = batch.Finalize()
			}
			assert.Equal(t, 50, batchCount,
				"Should yield 50 distributed batches from 100 source batches (consuming 2 batches per distributed batch)")
		})

		t.Run("Heterogeneous", func(t *testing.T) {
			// Mesh with 2x2 = 4 devices
			mesh, err := distributed.NewDeviceMesh([]int{2, 2}, []string{"shards", "replicas"})
			require.NoError(t, err)

			// Input is sharded, label is replicated
			inputSpec, err := distributed.BuildSpec(mesh).S("shards").Done()
			require.NoError(t, err)
			labelSpec, err := distributed.BuildSpec(mesh).R().Done()
			require.NoError(t, err)

			// Create heterogeneous mock dataset: 81 batches of one shape, 19 of another
			sourceShape1 := shapes.Make(dtypes.Float32, 10, 5)
			labelShape1 := shapes.Make(dtypes.Float32, 10)
			sourceShape2 := shapes.Make(dtypes.Float32, 8, 3) // Different shape
			labelShape2 := shapes.Make(dtypes.Float32, 8)     // Different shape
			source := &heterogeneousMockDataset{
				name:             "heterogeneousMockSource",
				numBatchesShape1: 81,
				numBatchesShape2: 19,
				inputShape1:      sourceShape1,
				labelShape1:      labelShape1,
				inputShape2:      sourceShape2,
				labelShape2:      labelShape2,
			}

			// Create distributed dataset
			distDS, err := NewDistributedAccumulator(
				backend,
				source,
				distributed.AutoSharding,
				[]*distributed.ShardingSpec{inputSpec},
				[]*distributed.ShardingSpec{labelSpec},
				nil, // deviceAssignment - use default
			)
			require.NoError(t, err)

			// Count batches by shape
			batchCountShape1 := 0
			batchCountShape2 := 0

			for batch, err := range distDS.DistributedIter() {
				require.NoError(t, err)
				inputs := batch.Inputs
				labels := batch.Labels
				require.Len(t, inputs, 1)
				require.Len(t, labels, 1)

				// Check that we have 4 shards
				require.Len(t, inputs[0].Shards(), 4)
				require.Len(t, labels[0].Shards(), 4)

				// Determine which shape this batch has by checking shard shape
				shardShape := inputs[0].ShardShape()

				if shardShape.Equal(sourceShape1) {
					batchCountShape1++
				} else if shardShape.Equal(sourceShape2) {
					batchCountShape2++
				} else {
					t.Fatalf("Unexpected shard shape: %s (expected either %s or %s)", shardShape, sourceShape1, sourceShape2)
				}
				_ = batch.Finalize()
			}

			// Check counts: 81 batches -> 40 distributed batches (81/2 = 40.5, rounded down)
			// 19 batches -> 9 distributed batches (19/2 = 9.5, rounded down)
			assert.Equal(t, 40, batchCountShape1, "Should yield 40 distributed batches of first shape (81/2 input shards)")
			assert.Equal(t, 9, batchCountShape2, "Should yield 9 distributed batches of second shape (19/2 input shards)")
		})
	})
}

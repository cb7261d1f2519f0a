// Package datasets loads the datasets of the LDAM-DRW paper (CIFAR-10/100, Tiny ImageNet-200,
// iNaturalist 2018, IMDB, MNIST and Fashion-MNIST, synthetic sets) into one shape, builds their
// imbalanced versions (section 5.1 of the facts file), and feeds batches to GoMLX training
// through [Loader], a train.Dataset with re-sampling, augmentation and prefetching.
package datasets

import (
	"fmt"
)

// Images is an in-memory image classification set: pixels are uint8 in NHWC order.
type Images struct {
	Name                    string
	Classes                 []string
	Height, Width, Channels int
	// Pixels holds Len()·Height·Width·Channels bytes.
	Pixels []uint8
	Labels []int
}

// ImageSource is any labelled image set: in memory ([Images]) or read from disk on demand
// (iNaturalist). Image writes example i, Height·Width·Channels bytes in HWC order, into dst.
type ImageSource interface {
	Len() int
	Label(i int) int
	NumClasses() int
	ImageShape() (height, width, channels int)
	Image(i int, dst []uint8) error
}

// Len is the number of examples.
func (d *Images) Len() int { return len(d.Labels) }

// Label returns the label of example i.
func (d *Images) Label(i int) int { return d.Labels[i] }

// NumClasses is the number of classes.
func (d *Images) NumClasses() int { return len(d.Classes) }

// ImageShape returns height, width and channels.
func (d *Images) ImageShape() (int, int, int) { return d.Height, d.Width, d.Channels }

// ImageSize is the number of bytes of one image.
func (d *Images) ImageSize() int { return d.Height * d.Width * d.Channels }

// Image copies example i into dst.
func (d *Images) Image(i int, dst []uint8) error {
	n := d.ImageSize()
	copy(dst[:n], d.Pixels[i*n:(i+1)*n])
	return nil
}

// Counts returns the number of examples per class.
func (d *Images) Counts() []int { return CountLabels(d.Labels, len(d.Classes)) }

// Subset returns a new set with the examples at idx, in that order.
func (d *Images) Subset(idx []int) *Images {
	n := d.ImageSize()
	out := &Images{Name: d.Name, Classes: d.Classes, Height: d.Height, Width: d.Width, Channels: d.Channels,
		Pixels: make([]uint8, len(idx)*n), Labels: make([]int, len(idx))}
	for k, i := range idx {
		copy(out.Pixels[k*n:(k+1)*n], d.Pixels[i*n:(i+1)*n])
		out.Labels[k] = d.Labels[i]
	}
	return out
}

// Validate checks sizes and label ranges.
func (d *Images) Validate() error {
	if len(d.Pixels) != d.Len()*d.ImageSize() {
		return fmt.Errorf("datasets: %s holds %d bytes of pixels for %d images of %d×%d×%d", d.Name, len(d.Pixels), d.Len(), d.Height, d.Width, d.Channels)
	}
	for i, y := range d.Labels {
		if y < 0 || y >= len(d.Classes) {
			return fmt.Errorf("datasets: %s example %d has label %d outside its %d classes", d.Name, i, y, len(d.Classes))
		}
	}
	return nil
}

// CountLabels counts labels per class.
func CountLabels(labels []int, classes int) []int {
	c := make([]int, classes)
	for _, y := range labels {
		if y >= 0 && y < classes {
			c[y]++
		}
	}
	return c
}

// Split is a train/test pair.
type Split struct {
	Train, Test *Images
}

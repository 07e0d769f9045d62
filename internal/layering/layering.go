// Package layering keeps ARCHITECTURE.md true: its test reads the layer
// table there and checks every package of the module against it (each
// package listed once; imports go only to the same or a lower layer;
// libraries never print). The package has no code of its own.
package layering

// Structural checks of a trace file before its contents are used.

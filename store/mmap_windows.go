package store

// initialMmapSize is 0 on Windows: bbolt there grows the file to the size it maps, and a
// counter's cache would start at 1 GB on disk.
const initialMmapSize = 0

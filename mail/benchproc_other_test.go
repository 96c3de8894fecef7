//go:build !linux

package mail

import "time"

// treeCPU is measured on Linux only.
type treeCPU struct{}

func watchTreeCPU(int) *treeCPU                            { return &treeCPU{} }
func (*treeCPU) snapshot() map[int]time.Duration           { return nil }
func (*treeCPU) total(map[int]time.Duration) time.Duration { return 0 }

package mail

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// treeCPU samples, until stopped, the CPU time of every process descending from root
// (Dovecot's per-connection imap processes are short-lived: each is read while it runs).
type treeCPU struct {
	root int
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	last map[int]time.Duration
}

func watchTreeCPU(root int) *treeCPU {
	t := &treeCPU{root: root, stop: make(chan struct{}), done: make(chan struct{}), last: map[int]time.Duration{}}
	go func() {
		defer close(t.done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			t.sample()
			select {
			case <-t.stop:
				t.sample()
				return
			case <-tick.C:
			}
		}
	}()
	return t
}

// total stops sampling and returns the CPU time the tree used since watchTreeCPU.
func (t *treeCPU) total(base map[int]time.Duration) time.Duration {
	close(t.stop)
	<-t.done
	var sum time.Duration
	for pid, d := range t.last {
		sum += d - base[pid]
	}
	return sum
}

func (t *treeCPU) snapshot() map[int]time.Duration {
	t.sample()
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[int]time.Duration, len(t.last))
	for k, v := range t.last {
		out[k] = v
	}
	return out
}

func (t *treeCPU) sample() {
	cpu := map[int]time.Duration{}
	queue := []int{t.root}
	for len(queue) > 0 && len(cpu) < 256 {
		pid := queue[0]
		queue = queue[1:]
		if pid != t.root {
			if d, ok := procCPU(pid); ok {
				cpu[pid] = d
			}
		}
		// The children of the process's main thread (Dovecot forks from it).
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(pid) + "/children")
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				queue = append(queue, c)
			}
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for pid, d := range cpu {
		t.last[pid] = d
	}
}

// procCPU reads a process's user and system CPU time from /proc/PID/stat.
func procCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond, true // USER_HZ is 100 on Linux
}

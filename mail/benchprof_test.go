package mail

import (
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"
)

// benchProfiles profiles only Comptoir's syncs in BenchmarkInitialSync (go test's own
// -cpuprofile would also count the mailbox generation): MAIL_BENCH_CPU, MAIL_BENCH_BLOCK
// and MAIL_BENCH_HEAP name the output files (the heap profile holds the allocations of
// the whole run, generation included: read it with -sample_index=alloc_space and focus).
type benchProfiles struct {
	b                 testing.TB
	cpu, block, heap  string
	cpuFile           *os.File
	cpuSeen, blockSet bool
	// perf names a perf.data file (MAIL_BENCH_PERF): `perf record -g` of this process during
	// Comptoir's first sync, kernel time included (page faults, tmpfs writes), which pprof
	// does not split.
	perf     string
	perfStop func() error
}

func startBenchProfiles(b testing.TB) *benchProfiles {
	p := &benchProfiles{b: b, cpu: os.Getenv("MAIL_BENCH_CPU"), block: os.Getenv("MAIL_BENCH_BLOCK"), heap: os.Getenv("MAIL_BENCH_HEAP"), perf: os.Getenv("MAIL_BENCH_PERF")}
	if p.heap != "" {
		runtime.MemProfileRate = 64 << 10
	}
	return p
}

// resume starts (once) or continues the CPU profile; pprof cannot pause, so the profile
// covers the first of Comptoir's syncs.
func (p *benchProfiles) resume() {
	if p.cpu != "" && !p.cpuSeen {
		f, err := os.Create(p.cpu)
		if err != nil {
			p.b.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			p.b.Fatal(err)
		}
		p.cpuFile = f
	}
	if p.perf != "" {
		stop, err := startPerf(p.b.TempDir(), p.perf)
		if err != nil {
			p.b.Fatal(err)
		}
		p.perf, p.perfStop = "", stop
	}
	if p.block != "" && !p.blockSet {
		runtime.SetBlockProfileRate(int(10 * time.Microsecond))
		runtime.SetMutexProfileFraction(5)
		p.blockSet = true
	}
}

func (p *benchProfiles) pause() {
	if p.perfStop != nil {
		if err := p.perfStop(); err != nil {
			p.b.Error(err)
		}
		p.perfStop = nil
	}
	if p.cpuFile != nil {
		pprof.StopCPUProfile()
		p.cpuFile.Close()
		p.cpuFile, p.cpuSeen = nil, true
	}
	if p.blockSet {
		runtime.SetBlockProfileRate(0)
		runtime.SetMutexProfileFraction(0)
		write(p.b, p.block, "block")
		write(p.b, p.block+".mutex", "mutex")
		p.block = ""
		p.blockSet = false
	}
	if p.heap != "" {
		write(p.b, p.heap, "allocs")
		p.heap = ""
	}
}

func (p *benchProfiles) stop() { p.pause() }

func write(b testing.TB, path, profile string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup(profile).WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}

package pdfview

import (
	"os"
	"os/exec"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// processExists reports whether pid is a running process.
func processExists(pid int) bool {
	h, err := windows.OpenProcess(windows.SYNCHRONIZE, false, uint32(pid))
	if err != nil {
		return false
	}
	defer windows.CloseHandle(h)
	ev, _ := windows.WaitForSingleObject(h, 0)
	return ev == uint32(windows.WAIT_TIMEOUT)
}

// The child's own limits on Windows: the Job object it puts itself in caps its committed
// memory and CPU time. Windows enforces them; Wine accepts the job but enforces neither, so
// this checks the limits the job holds, and that a process can be put in it.
func TestHostilePDFChildJobLimits(t *testing.T) {
	job, err := limitJob(64<<20, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(job)
	var info windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION
	if err := windows.QueryInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)), nil); err != nil {
		t.Fatal(err)
	}
	flags := uint32(windows.JOB_OBJECT_LIMIT_PROCESS_MEMORY | windows.JOB_OBJECT_LIMIT_PROCESS_TIME |
		windows.JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION)
	if info.BasicLimitInformation.LimitFlags != flags || info.ProcessMemoryLimit != windowsCommitBase+64<<20 ||
		info.BasicLimitInformation.PerProcessUserTimeLimit < int64(5*time.Second/100) {
		t.Fatalf("job limits: flags %#x memory %d cpu %d", info.BasicLimitInformation.LimitFlags,
			info.ProcessMemoryLimit, info.BasicLimitInformation.PerProcessUserTimeLimit)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	h, err := windows.OpenProcess(windows.PROCESS_SET_QUOTA|windows.PROCESS_TERMINATE, false, uint32(cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(h)
	if err := windows.AssignProcessToJobObject(job, h); err != nil {
		t.Fatalf("a process could not be put in the job: %v", err)
	}
}

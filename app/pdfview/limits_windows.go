package pdfview

import (
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// windowsCommitBase is the committed memory allowed before the document: the Go runtime
// and PDFium loaded.
const windowsCommitBase = 1 << 30

// limitSelf puts this process in a Job object that caps its committed memory at
// windowsCommitBase plus mem and its user-mode CPU time at what it has used plus cpu; the
// system ends the process past either. The job's handle stays open for the process's life.
func limitSelf(mem int64, cpu time.Duration) error {
	job, err := limitJob(mem, cpu)
	if err != nil {
		return err
	}
	if err := windows.AssignProcessToJobObject(job, windows.CurrentProcess()); err != nil {
		windows.CloseHandle(job)
		return fmt.Errorf("assign to job: %w", err)
	}
	return nil
}

// limitJob creates the Job object of limitSelf.
func limitJob(mem int64, cpu time.Duration) (windows.Handle, error) {
	var creation, exit, kernel, user windows.Filetime
	if err := windows.GetProcessTimes(windows.CurrentProcess(), &creation, &exit, &kernel, &user); err != nil {
		return 0, fmt.Errorf("cpu time used: %w", err)
	}
	used := int64(user.HighDateTime)<<32 | int64(user.LowDateTime) // 100 ns units
	job, err := windows.CreateJobObject(nil, nil)
	if err != nil {
		return 0, fmt.Errorf("job object: %w", err)
	}
	info := windows.JOBOBJECT_EXTENDED_LIMIT_INFORMATION{
		BasicLimitInformation: windows.JOBOBJECT_BASIC_LIMIT_INFORMATION{
			PerProcessUserTimeLimit: used + int64(cpu/100),
			LimitFlags: windows.JOB_OBJECT_LIMIT_PROCESS_MEMORY | windows.JOB_OBJECT_LIMIT_PROCESS_TIME |
				windows.JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION,
		},
		ProcessMemoryLimit: uintptr(windowsCommitBase + mem),
	}
	if _, err := windows.SetInformationJobObject(job, windows.JobObjectExtendedLimitInformation,
		uintptr(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info))); err != nil {
		windows.CloseHandle(job)
		return 0, fmt.Errorf("job limits: %w", err)
	}
	return job, nil
}

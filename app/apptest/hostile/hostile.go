// Package hostile builds the payloads of Comptoir's hostile-message tests: image bombs,
// zip bombs, files that pass for others. The messages that carry them are in
// app/demo/testdata/hostile (written by that package's TestHostileCorpusUpToDate).
// Like net/http/httptest it is test support, never used by the application.
package hostile

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
)

// PNGBomb is a 70-byte PNG declaring w×h pixels of 16-bit RGBA (65535×65535: 32 GiB once
// decoded, more than most machines can even reserve).
func PNGBomb(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 16, 6 // 16-bit RGBA
	chunk(&b, "IHDR", ihdr)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte{0}) // the first row's filter byte; the rest never comes
	zw.Close()
	chunk(&b, "IDAT", z.Bytes())
	chunk(&b, "IEND", nil)
	return b.Bytes()
}

func chunk(b *bytes.Buffer, typ string, data []byte) {
	binary.Write(b, binary.BigEndian, uint32(len(data)))
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	b.WriteString(typ)
	b.Write(data)
	binary.Write(b, binary.BigEndian, crc.Sum32())
}

// JPEGBomb is a baseline JPEG header declaring w×h pixels, and nothing else.
func JPEGBomb(w, h uint16) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xff, 0xd8})                                                               // SOI
	b.Write([]byte{0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}) // APP0 JFIF
	b.Write([]byte{0xff, 0xdb, 0x00, 0x43, 0x00})                                             // DQT, table 0
	b.Write(bytes.Repeat([]byte{1}, 64))
	b.Write([]byte{0xff, 0xc0, 0x00, 0x0b, 0x08}) // SOF0, 8 bits
	binary.Write(&b, binary.BigEndian, h)
	binary.Write(&b, binary.BigEndian, w)
	b.Write([]byte{0x01, 0x01, 0x11, 0x00}) // one component
	b.Write([]byte{0xff, 0xd9})             // EOI
	return b.Bytes()
}

// Files that pass for others: the first bytes of what they really are.
var (
	// EXE is the start of a Windows executable (MZ header, PE signature).
	EXE = append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0}, 48)...)
	// HTA is an HTML application: run by mshta.exe with the user's rights.
	HTA = []byte(`<html><head><hta:application id="x"/><script language="VBScript">CreateObject("WScript.Shell").Run "calc.exe"</script></head></html>`)
	// LNK is the start of a Windows shortcut (header size, LinkCLSID).
	LNK = []byte("L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00F")
	// JS is a JScript file for Windows Script Host: plain text.
	JS = []byte("var s = new ActiveXObject(\"WScript.Shell\");\r\ns.Run(\"calc.exe\");\r\n")
	// BAT is a batch file: plain text.
	BAT = []byte("@echo off\r\nstart calc.exe\r\n")
	// SVG is an image format that runs scripts in a browser.
	SVG = []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
)

// DOCM is a Word document with macros: a zip holding a vbaProject.bin.
func DOCM() []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range []string{"[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"} {
		w, _ := zw.Create(name)
		w.Write([]byte("<x/>"))
	}
	zw.Close()
	return b.Bytes()
}

// ZipBomb is an IHE_XDM.ZIP whose METADATA.XML inflates to mib MiB, a thousand times its
// compressed size.
func ZipBomb(mib int) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "IHE_XDM/SUBSET01/METADATA.XML", Method: zip.Deflate})
	chunk := bytes.Repeat([]byte("<a/>"), 1<<18) // 1 MiB
	for range mib {
		w.Write(chunk)
	}
	zw.Close()
	return b.Bytes()
}

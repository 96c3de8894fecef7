/*
 * bcryptprimitives.dll for Wine 8 (Debian 12), used only by scripts/package-test.sh.
 *
 * The Go runtime (1.22+) takes its random bytes from ProcessPrng in bcryptprimitives.dll,
 * present on every Windows 10 and 11 but only in Wine 9 and later: without it,
 * comptoir.exe stops at start-up under Debian 12's Wine ("bcryptprimitives.dll not
 * found"). This stand-in forwards ProcessPrng to BCryptGenRandom, which Wine 8 has.
 * It is installed into the test's throw-away WINEPREFIX, never shipped.
 */
#include <windows.h>
#include <bcrypt.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}

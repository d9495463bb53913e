/* interop._speedups: keccak-256 (Ethereum's: Keccak padding 0x01, not NIST SHA-3's 0x06) for
 * many short inputs in one call, and hex ABI words to ints in one pass.
 *
 * Why it exists: EIP-55 checksums cost one keccak-256 per address, and a cold balance read of
 * thousands of addresses spent most of its client CPU on them. The permutation itself is cheap;
 * what cost was one foreign call per address from Python (~1.5 us each on our CI machine, about
 * three times the permutation). `prefixes` hashes a whole run of fixed-width inputs in one call.
 * `hex_words` turns a balance reader's answer (64 hex digits a balance) into ints without the
 * intermediate bytes, 32-byte pieces and per-piece calls of `fromhex` + `struct` +
 * `int.from_bytes`.
 *
 * Optional: the build hook (hatch_build.py) compiles it when a C compiler is available;
 * interop.speedups checks its answers against Python references at import and otherwise the
 * Python paths are used. Written from the Keccak specification (FIPS 202, section 3; the round
 * constants and rotation offsets are the specification's, tested against published digests in
 * tests/unit/test_speedups.py). Portable C99: lanes are assembled little-endian byte by
 * byte, so the host's byte order does not matter.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define RATE 136 /* bytes: 1600 - 2 * 256 bits of capacity */

static const uint64_t RC[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808AULL, 0x8000000080008000ULL,
    0x000000000000808BULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008AULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000AULL,
    0x000000008000808BULL, 0x800000000000008BULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800AULL, 0x800000008000000AULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

#define ROTL(v, n) (((v) << (n)) | ((v) >> (64 - (n))))

/* One permutation, its round unrolled over the 25 lanes (a[x + 5y] is lane (x, y)): theta;
 * then rho and pi together, lane i rotated by its rho offset (0, 1, 62, 28, 27, 36, 44, 6, 55,
 * 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14 for i = 0..24) and moved from
 * (x, y) to (y, 2x + 3y mod 5); then chi along each row; then iota. */
static void keccak_f1600(uint64_t s[25]) {
    uint64_t a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24;
    uint64_t b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15, b16, b17, b18, b19, b20, b21, b22, b23, b24;
    uint64_t c0, c1, c2, c3, c4, d0, d1, d2, d3, d4;
    a0 = s[0];
    a1 = s[1];
    a2 = s[2];
    a3 = s[3];
    a4 = s[4];
    a5 = s[5];
    a6 = s[6];
    a7 = s[7];
    a8 = s[8];
    a9 = s[9];
    a10 = s[10];
    a11 = s[11];
    a12 = s[12];
    a13 = s[13];
    a14 = s[14];
    a15 = s[15];
    a16 = s[16];
    a17 = s[17];
    a18 = s[18];
    a19 = s[19];
    a20 = s[20];
    a21 = s[21];
    a22 = s[22];
    a23 = s[23];
    a24 = s[24];
    for (int round = 0; round < 24; round++) {
        c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
        c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
        c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
        c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
        c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
        d0 = c4 ^ ROTL(c1, 1);
        d1 = c0 ^ ROTL(c2, 1);
        d2 = c1 ^ ROTL(c3, 1);
        d3 = c2 ^ ROTL(c4, 1);
        d4 = c3 ^ ROTL(c0, 1);
        b0 = a0 ^ d0;
        b10 = ROTL(a1 ^ d1, 1);
        b20 = ROTL(a2 ^ d2, 62);
        b5 = ROTL(a3 ^ d3, 28);
        b15 = ROTL(a4 ^ d4, 27);
        b16 = ROTL(a5 ^ d0, 36);
        b1 = ROTL(a6 ^ d1, 44);
        b11 = ROTL(a7 ^ d2, 6);
        b21 = ROTL(a8 ^ d3, 55);
        b6 = ROTL(a9 ^ d4, 20);
        b7 = ROTL(a10 ^ d0, 3);
        b17 = ROTL(a11 ^ d1, 10);
        b2 = ROTL(a12 ^ d2, 43);
        b12 = ROTL(a13 ^ d3, 25);
        b22 = ROTL(a14 ^ d4, 39);
        b23 = ROTL(a15 ^ d0, 41);
        b8 = ROTL(a16 ^ d1, 45);
        b18 = ROTL(a17 ^ d2, 15);
        b3 = ROTL(a18 ^ d3, 21);
        b13 = ROTL(a19 ^ d4, 8);
        b14 = ROTL(a20 ^ d0, 18);
        b24 = ROTL(a21 ^ d1, 2);
        b9 = ROTL(a22 ^ d2, 61);
        b19 = ROTL(a23 ^ d3, 56);
        b4 = ROTL(a24 ^ d4, 14);
        a0 = b0 ^ (~b1 & b2);
        a1 = b1 ^ (~b2 & b3);
        a2 = b2 ^ (~b3 & b4);
        a3 = b3 ^ (~b4 & b0);
        a4 = b4 ^ (~b0 & b1);
        a5 = b5 ^ (~b6 & b7);
        a6 = b6 ^ (~b7 & b8);
        a7 = b7 ^ (~b8 & b9);
        a8 = b8 ^ (~b9 & b5);
        a9 = b9 ^ (~b5 & b6);
        a10 = b10 ^ (~b11 & b12);
        a11 = b11 ^ (~b12 & b13);
        a12 = b12 ^ (~b13 & b14);
        a13 = b13 ^ (~b14 & b10);
        a14 = b14 ^ (~b10 & b11);
        a15 = b15 ^ (~b16 & b17);
        a16 = b16 ^ (~b17 & b18);
        a17 = b17 ^ (~b18 & b19);
        a18 = b18 ^ (~b19 & b15);
        a19 = b19 ^ (~b15 & b16);
        a20 = b20 ^ (~b21 & b22);
        a21 = b21 ^ (~b22 & b23);
        a22 = b22 ^ (~b23 & b24);
        a23 = b23 ^ (~b24 & b20);
        a24 = b24 ^ (~b20 & b21);
        a0 ^= RC[round];
    }
    s[0] = a0;
    s[1] = a1;
    s[2] = a2;
    s[3] = a3;
    s[4] = a4;
    s[5] = a5;
    s[6] = a6;
    s[7] = a7;
    s[8] = a8;
    s[9] = a9;
    s[10] = a10;
    s[11] = a11;
    s[12] = a12;
    s[13] = a13;
    s[14] = a14;
    s[15] = a15;
    s[16] = a16;
    s[17] = a17;
    s[18] = a18;
    s[19] = a19;
    s[20] = a20;
    s[21] = a21;
    s[22] = a22;
    s[23] = a23;
    s[24] = a24;
}

/* lane i of a block: bytes 8i..8i+7, little-endian (compilers turn this into one load) */
static inline uint64_t load64(const uint8_t *p) {
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

static void absorb_block(uint64_t a[25], const uint8_t *block) {
    for (int i = 0; i < RATE / 8; i++)
        a[i] ^= load64(block + 8 * i);
    keccak_f1600(a);
}

/* keccak-256 of in[0..len) into out[0..keep), keep <= 32 */
static void keccak256(const uint8_t *in, size_t len, uint8_t *out, size_t keep) {
    uint64_t a[25] = {0};
    uint8_t last[RATE];
    while (len >= RATE) {
        absorb_block(a, in);
        in += RATE;
        len -= RATE;
    }
    memset(last, 0, RATE);
    memcpy(last, in, len);
    last[len] ^= 0x01;
    last[RATE - 1] ^= 0x80;
    absorb_block(a, last);
    for (size_t i = 0; i < keep; i++)
        out[i] = (uint8_t)(a[i / 8] >> (8 * (i % 8)));
}

PyDoc_STRVAR(digest_doc, "digest(data: bytes) -> bytes\n\nkeccak-256 of data (32 bytes).");

static PyObject *digest(PyObject *self, PyObject *arg) {
    (void)self;
    if (!PyBytes_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "digest takes bytes");
        return NULL;
    }
    uint8_t out[32];
    keccak256((const uint8_t *)PyBytes_AS_STRING(arg), (size_t)PyBytes_GET_SIZE(arg), out, 32);
    return PyBytes_FromStringAndSize((const char *)out, 32);
}

PyDoc_STRVAR(prefixes_doc,
             "prefixes(data: bytes, width: int, keep: int) -> bytes\n\n"
             "data is a run of width-byte inputs; the first keep (<= 32) bytes of each one's\n"
             "keccak-256, concatenated. The GIL is released while hashing.");

static PyObject *prefixes(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *data;
    Py_ssize_t width, keep;
    if (!PyArg_ParseTuple(args, "Snn", &data, &width, &keep))
        return NULL;
    Py_ssize_t size = PyBytes_GET_SIZE(data);
    if (width <= 0 || keep < 0 || keep > 32 || size % width) {
        PyErr_SetString(PyExc_ValueError,
                        "prefixes: width must be > 0 and divide len(data), 0 <= keep <= 32");
        return NULL;
    }
    Py_ssize_t n = size / width;
    PyObject *result = PyBytes_FromStringAndSize(NULL, n * keep);
    if (result == NULL)
        return NULL;
    const uint8_t *in = (const uint8_t *)PyBytes_AS_STRING(data);
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(result);
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < n; i++)
        keccak256(in + i * width, (size_t)width, out + i * keep, (size_t)keep);
    Py_END_ALLOW_THREADS
    return result;
}

/* hex digit values, -1 for anything else (filled at module init) */
static int8_t HEXVAL[256];

static void init_hexval(void) {
    memset(HEXVAL, -1, sizeof HEXVAL);
    for (int c = '0'; c <= '9'; c++)
        HEXVAL[c] = (int8_t)(c - '0');
    for (int c = 'a'; c <= 'f'; c++) {
        HEXVAL[c] = (int8_t)(c - 'a' + 10);
        HEXVAL[c - 'a' + 'A'] = (int8_t)(c - 'a' + 10);
    }
}

/* 32 bytes big-endian as a Python int (unsigned) */
static PyObject *uint256_from_be(const uint8_t *be) {
#if PY_VERSION_HEX >= 0x030D0000
    return PyLong_FromUnsignedNativeBytes(be, 32, Py_ASNATIVEBYTES_BIG_ENDIAN);
#else
    return _PyLong_FromByteArray(be, 32, 0, 0);
#endif
}

PyDoc_STRVAR(hex_words_doc,
             "hex_words(text: str, start: int, count: int) -> list[int]\n\n"
             "text[start:] is exactly count 64-digit hex words (either case): each as an\n"
             "unsigned int (a uint256 ABI word). Anything else raises ValueError.");

static PyObject *hex_words(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *text;
    Py_ssize_t start, count;
    if (!PyArg_ParseTuple(args, "Unn", &text, &start, &count))
        return NULL;
    if (!PyUnicode_IS_ASCII(text) || start < 0 || count < 0 ||
        PyUnicode_GET_LENGTH(text) - start != 64 * count) {
        PyErr_SetString(PyExc_ValueError, "hex_words: not count hex words after start");
        return NULL;
    }
    const uint8_t *p = PyUnicode_1BYTE_DATA(text) + start;
    PyObject *list = PyList_New(count);
    if (list == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < count; i++, p += 64) {
        uint8_t be[32];
        int bad = 0;
        for (int k = 0; k < 32; k++) {
            int hi = HEXVAL[p[2 * k]], lo = HEXVAL[p[2 * k + 1]];
            bad |= hi | lo; /* negative if either is not a digit */
            be[k] = (uint8_t)((hi << 4) | (lo & 0x0f));
        }
        if (bad < 0) {
            Py_DECREF(list);
            PyErr_SetString(PyExc_ValueError, "hex_words: not a hex digit");
            return NULL;
        }
        uint64_t high = 0, low = 0;
        for (int k = 0; k < 24; k++)
            high |= be[k];
        for (int k = 24; k < 32; k++)
            low = (low << 8) | be[k];
        PyObject *v = high ? uint256_from_be(be) : PyLong_FromUnsignedLongLong(low);
        if (v == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, v);
    }
    return list;
}

static PyMethodDef methods[] = {
    {"hex_words", hex_words, METH_VARARGS, hex_words_doc},
    {"digest", digest, METH_O, digest_doc},
    {"prefixes", prefixes, METH_VARARGS, prefixes_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "interop._speedups",
    "keccak-256 and hex words in C, many at a time (optional; see interop.speedups).", -1,
    methods,
};

PyMODINIT_FUNC PyInit__speedups(void) {
    init_hexval();
    return PyModule_Create(&module);
}

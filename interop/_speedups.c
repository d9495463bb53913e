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
#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__)) && !defined(INTEROP_NO_X4)
#include <emmintrin.h>
#endif

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

/* One round over lanes a0..a24 (a[x + 5y] is lane (x, y)), written once for any lane type:
 * XOR, ROT (rotate left), ANDN (~x & y) and IOTA are the type's operations. Theta; then rho
 * and pi together, lane i rotated by its rho offset (0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3,
 * 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14 for i = 0..24) and moved from (x, y) to
 * (y, 2x + 3y mod 5); then chi along each row; then iota. */
#define KECCAK_ROUND(XOR, ROT, ANDN, IOTA, round)                                              \
    do {                                                                                       \
        c0 = XOR(XOR(XOR(XOR(a0, a5), a10), a15), a20);                                        \
        c1 = XOR(XOR(XOR(XOR(a1, a6), a11), a16), a21);                                        \
        c2 = XOR(XOR(XOR(XOR(a2, a7), a12), a17), a22);                                        \
        c3 = XOR(XOR(XOR(XOR(a3, a8), a13), a18), a23);                                        \
        c4 = XOR(XOR(XOR(XOR(a4, a9), a14), a19), a24);                                        \
        d0 = XOR(c4, ROT(c1, 1));                                                              \
        d1 = XOR(c0, ROT(c2, 1));                                                              \
        d2 = XOR(c1, ROT(c3, 1));                                                              \
        d3 = XOR(c2, ROT(c4, 1));                                                              \
        d4 = XOR(c3, ROT(c0, 1));                                                              \
        b0 = XOR(a0, d0);                                                                      \
        b10 = ROT(XOR(a1, d1), 1);                                                             \
        b20 = ROT(XOR(a2, d2), 62);                                                            \
        b5 = ROT(XOR(a3, d3), 28);                                                             \
        b15 = ROT(XOR(a4, d4), 27);                                                            \
        b16 = ROT(XOR(a5, d0), 36);                                                            \
        b1 = ROT(XOR(a6, d1), 44);                                                             \
        b11 = ROT(XOR(a7, d2), 6);                                                             \
        b21 = ROT(XOR(a8, d3), 55);                                                            \
        b6 = ROT(XOR(a9, d4), 20);                                                             \
        b7 = ROT(XOR(a10, d0), 3);                                                             \
        b17 = ROT(XOR(a11, d1), 10);                                                           \
        b2 = ROT(XOR(a12, d2), 43);                                                            \
        b12 = ROT(XOR(a13, d3), 25);                                                           \
        b22 = ROT(XOR(a14, d4), 39);                                                           \
        b23 = ROT(XOR(a15, d0), 41);                                                           \
        b8 = ROT(XOR(a16, d1), 45);                                                            \
        b18 = ROT(XOR(a17, d2), 15);                                                           \
        b3 = ROT(XOR(a18, d3), 21);                                                            \
        b13 = ROT(XOR(a19, d4), 8);                                                            \
        b14 = ROT(XOR(a20, d0), 18);                                                           \
        b24 = ROT(XOR(a21, d1), 2);                                                            \
        b9 = ROT(XOR(a22, d2), 61);                                                            \
        b19 = ROT(XOR(a23, d3), 56);                                                           \
        b4 = ROT(XOR(a24, d4), 14);                                                            \
        a0 = XOR(b0, ANDN(b1, b2));                                                            \
        a1 = XOR(b1, ANDN(b2, b3));                                                            \
        a2 = XOR(b2, ANDN(b3, b4));                                                            \
        a3 = XOR(b3, ANDN(b4, b0));                                                            \
        a4 = XOR(b4, ANDN(b0, b1));                                                            \
        a5 = XOR(b5, ANDN(b6, b7));                                                            \
        a6 = XOR(b6, ANDN(b7, b8));                                                            \
        a7 = XOR(b7, ANDN(b8, b9));                                                            \
        a8 = XOR(b8, ANDN(b9, b5));                                                            \
        a9 = XOR(b9, ANDN(b5, b6));                                                            \
        a10 = XOR(b10, ANDN(b11, b12));                                                        \
        a11 = XOR(b11, ANDN(b12, b13));                                                        \
        a12 = XOR(b12, ANDN(b13, b14));                                                        \
        a13 = XOR(b13, ANDN(b14, b10));                                                        \
        a14 = XOR(b14, ANDN(b10, b11));                                                        \
        a15 = XOR(b15, ANDN(b16, b17));                                                        \
        a16 = XOR(b16, ANDN(b17, b18));                                                        \
        a17 = XOR(b17, ANDN(b18, b19));                                                        \
        a18 = XOR(b18, ANDN(b19, b15));                                                        \
        a19 = XOR(b19, ANDN(b15, b16));                                                        \
        a20 = XOR(b20, ANDN(b21, b22));                                                        \
        a21 = XOR(b21, ANDN(b22, b23));                                                        \
        a22 = XOR(b22, ANDN(b23, b24));                                                        \
        a23 = XOR(b23, ANDN(b24, b20));                                                        \
        a24 = XOR(b24, ANDN(b20, b21));                                                        \
        a0 = IOTA(a0, round);                                                                  \
    } while (0)

/* the 25 lanes in and out of local variables (registers where the compiler can) */
#define LANES_DECLARE(T)                                                                       \
    T a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, \
        a20, a21, a22, a23, a24;                                                               \
    T b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, b11, b12, b13, b14, b15, b16, b17, b18, b19, \
        b20, b21, b22, b23, b24;                                                               \
    T c0, c1, c2, c3, c4, d0, d1, d2, d3, d4
#define LANES_LOAD(s)                                                                          \
    a0 = s[0], a1 = s[1], a2 = s[2], a3 = s[3], a4 = s[4], a5 = s[5], a6 = s[6], a7 = s[7],     \
    a8 = s[8], a9 = s[9], a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13], a14 = s[14],      \
    a15 = s[15], a16 = s[16], a17 = s[17], a18 = s[18], a19 = s[19], a20 = s[20], a21 = s[21],  \
    a22 = s[22], a23 = s[23], a24 = s[24]
#define LANES_STORE(s)                                                                         \
    s[0] = a0, s[1] = a1, s[2] = a2, s[3] = a3, s[4] = a4, s[5] = a5, s[6] = a6, s[7] = a7,     \
    s[8] = a8, s[9] = a9, s[10] = a10, s[11] = a11, s[12] = a12, s[13] = a13, s[14] = a14,      \
    s[15] = a15, s[16] = a16, s[17] = a17, s[18] = a18, s[19] = a19, s[20] = a20, s[21] = a21,  \
    s[22] = a22, s[23] = a23, s[24] = a24

#define S_XOR(x, y) ((x) ^ (y))
#define S_ANDN(x, y) (~(x) & (y))
#define S_IOTA(x, r) ((x) ^ RC[r])

static void keccak_f1600(uint64_t s[25]) {
    LANES_DECLARE(uint64_t);
    LANES_LOAD(s);
    for (int round = 0; round < 24; round++)
        KECCAK_ROUND(S_XOR, ROTL, S_ANDN, S_IOTA, round);
    LANES_STORE(s);
}

/* Four independent permutations at once, one in each 64-bit lane of an AVX2 register: a bulk
 * checksum hashes thousands of unrelated addresses, so the same instructions serve four. Only
 * on x86-64 with GCC or Clang, and only called when the CPU reports AVX2 at run time. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(INTEROP_NO_X4)
#include <immintrin.h>
#define HAVE_X4 1
#define V_XOR(x, y) _mm256_xor_si256((x), (y))
#define V_ROT(v, n) _mm256_or_si256(_mm256_slli_epi64((v), (n)), _mm256_srli_epi64((v), 64 - (n)))
#define V_ANDN(x, y) _mm256_andnot_si256((x), (y))
#define V_IOTA(x, r) _mm256_xor_si256((x), _mm256_set1_epi64x((long long)RC[r]))

__attribute__((target("avx2"))) static void keccak_f1600_x4(__m256i s[25]) {
    LANES_DECLARE(__m256i);
    LANES_LOAD(s);
    for (int round = 0; round < 24; round++)
        KECCAK_ROUND(V_XOR, V_ROT, V_ANDN, V_IOTA, round);
    LANES_STORE(s);
}

static int have_avx2(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
}
#else
#define HAVE_X4 0
static int have_avx2(void) { return 0; }
#endif

static int use_x4; /* set at module init */

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

#if HAVE_X4
/* keccak-256 of four inputs of the same length len < RATE (one block each), first keep bytes */
__attribute__((target("avx2"))) static void keccak256_short_x4(const uint8_t *in, size_t width,
                                                               uint8_t *out, size_t keep) {
    uint8_t block[4][RATE];
    __m256i s[25];
    uint64_t lane[4];
    for (int k = 0; k < 4; k++) {
        memset(block[k], 0, RATE);
        memcpy(block[k], in + k * width, width);
        block[k][width] ^= 0x01;
        block[k][RATE - 1] ^= 0x80;
    }
    for (int i = 0; i < 25; i++)
        s[i] = i < RATE / 8 ? _mm256_set_epi64x((long long)load64(block[3] + 8 * i),
                                                (long long)load64(block[2] + 8 * i),
                                                (long long)load64(block[1] + 8 * i),
                                                (long long)load64(block[0] + 8 * i))
                            : _mm256_setzero_si256();
    keccak_f1600_x4(s);
    for (size_t i = 0; i < (keep + 7) / 8; i++) {
        _mm256_storeu_si256((__m256i *)lane, s[i]);
        for (int k = 0; k < 4; k++)
            for (size_t j = 8 * i; j < keep && j < 8 * i + 8; j++)
                out[k * keep + j] = (uint8_t)(lane[k] >> (8 * (j % 8)));
    }
}
#endif

/* the first keep bytes of keccak-256 of each of the n width-byte inputs at in, to out; four at
 * a time where the CPU can and every input fits one block */
static void hash_run(const uint8_t *in, size_t n, size_t width, uint8_t *out, size_t keep) {
    size_t i = 0;
#if HAVE_X4
    if (use_x4 && width < RATE)
        for (; i + 4 <= n; i += 4)
            keccak256_short_x4(in + i * width, width, out + i * keep, keep);
#endif
    for (; i < n; i++)
        keccak256(in + i * width, width, out + i * keep, keep);
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
    hash_run(in, (size_t)n, (size_t)width, out, (size_t)keep);
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

PyDoc_STRVAR(checksum_keys_doc,
             "checksum_keys(bodies: bytes) -> list[str]\n\n"
             "bodies is a run of 40-character lower-case hex address bodies (ASCII); each as\n"
             "'0x' + its EIP-55 checksummed form. Anything else raises ValueError.");

/* EIP-55: a letter of the lower-case body is upper-cased when the matching nibble of
 * keccak-256(body as ASCII) is 8 or more. */
static PyObject *checksum_keys(PyObject *self, PyObject *arg) {
    (void)self;
    if (!PyBytes_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "checksum_keys takes bytes");
        return NULL;
    }
    Py_ssize_t size = PyBytes_GET_SIZE(arg);
    const uint8_t *in = (const uint8_t *)PyBytes_AS_STRING(arg);
    int bad = size % 40 != 0;
    for (Py_ssize_t i = 0; i < size; i++)
        bad |= HEXVAL[in[i]] < 0 || (in[i] >= 'A' && in[i] <= 'F'); /* lower-case hex only */
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "checksum_keys: not lower-case 40-digit hex bodies");
        return NULL;
    }
    Py_ssize_t n = size / 40;
    uint8_t *hashes = PyMem_Malloc(n ? (size_t)n * 20 : 1);
    if (hashes == NULL)
        return PyErr_NoMemory();
    Py_BEGIN_ALLOW_THREADS
    hash_run(in, (size_t)n, 40, hashes, 20);
    Py_END_ALLOW_THREADS
    PyObject *list = PyList_New(n);
    for (Py_ssize_t i = 0; list != NULL && i < n; i++) {
        PyObject *key = PyUnicode_New(42, 127);
        if (key == NULL) {
            Py_CLEAR(list);
            break;
        }
        Py_UCS1 *d = PyUnicode_1BYTE_DATA(key);
        const uint8_t *body = in + 40 * i, *h = hashes + 20 * i;
        d[0] = '0';
        d[1] = 'x';
        /* without branches (the hash's bits are random): a letter has bit 0x40, a nibble of 8
         * or more has bit 0x08; both make 0x20, the bit that upper-cases a letter */
        for (int j = 0; j < 20; j++) {
            uint8_t hi = body[2 * j], lo = body[2 * j + 1];
            d[2 + 2 * j] = (Py_UCS1)(hi ^ ((hi >> 1) & (h[j] >> 2) & 0x20));
            d[3 + 2 * j] = (Py_UCS1)(lo ^ ((lo >> 1) & (h[j] << 2) & 0x20));
        }
        PyList_SET_ITEM(list, i, key);
    }
    PyMem_Free(hashes);
    return list;
}

PyDoc_STRVAR(address_bodies_doc,
             "address_bodies(items: list | tuple) -> tuple[str, bytes, bool] | None\n\n"
             "For a sequence of '0x' + 40-hex-digit str addresses: their lower-case bodies\n"
             "concatenated, the 20-byte addresses concatenated, and whether any has an upper-case\n"
             "letter (its checksum is the caller's to verify). None for anything else (another\n"
             "type, length or character anywhere): the caller's own path decides and words it.");

static PyObject *address_bodies(PyObject *self, PyObject *arg) {
    (void)self;
    if (!PyList_Check(arg) && !PyTuple_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "address_bodies takes a list or a tuple");
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(arg);
    PyObject **items = PySequence_Fast_ITEMS(arg);
    PyObject *lower = PyUnicode_New(40 * n, 127);
    PyObject *packed = PyBytes_FromStringAndSize(NULL, 20 * n);
    if (lower == NULL || packed == NULL) {
        Py_XDECREF(lower);
        Py_XDECREF(packed);
        return NULL;
    }
    Py_UCS1 *low = PyUnicode_1BYTE_DATA(lower);
    uint8_t *raw = (uint8_t *)PyBytes_AS_STRING(packed);
    int bad = 0, upper = 0;
    for (Py_ssize_t i = 0; i < n && !bad; i++) {
        PyObject *item = items[i];
        if (!PyUnicode_CheckExact(item) || !PyUnicode_IS_ASCII(item) ||
            PyUnicode_GET_LENGTH(item) != 42) {
            bad = 1;
            break;
        }
        const uint8_t *p = PyUnicode_1BYTE_DATA(item);
        bad = p[0] != '0' || p[1] != 'x';
        for (int k = 0; k < 20; k++) {
            uint8_t hi = p[2 + 2 * k], lo = p[3 + 2 * k];
            int vh = HEXVAL[hi], vl = HEXVAL[lo];
            bad |= (vh | vl) < 0;
            upper |= (hi >= 'A' && hi <= 'F') | (lo >= 'A' && lo <= 'F');
            low[40 * i + 2 * k] = (Py_UCS1)(hi | (vh > 9 ? 0x20 : 0)); /* letters to lower case */
            low[40 * i + 2 * k + 1] = (Py_UCS1)(lo | (vl > 9 ? 0x20 : 0));
            raw[20 * i + k] = (uint8_t)((vh << 4) | (vl & 0x0f));
        }
    }
    if (bad) {
        Py_DECREF(lower);
        Py_DECREF(packed);
        Py_RETURN_NONE;
    }
    return Py_BuildValue("(NNO)", lower, packed, upper ? Py_True : Py_False);
}

/* 32 bytes big-endian as a Python int (unsigned) */
static PyObject *uint256_from_be(const uint8_t *be) {
#if PY_VERSION_HEX >= 0x030D0000
    return PyLong_FromUnsignedNativeBytes(be, 32, Py_ASNATIVEBYTES_BIG_ENDIAN);
#else
    return _PyLong_FromByteArray(be, 32, 0, 0);
#endif
}

static const char ZEROS48[48] = "000000000000000000000000000000000000000000000000";

/* 32 bytes big-endian as a Python int, through a machine word when it fits in one */
static PyObject *int_from_be32(const uint8_t be[32]) {
    uint64_t high = 0, low = 0;
    for (int k = 0; k < 24; k++)
        high |= be[k];
    for (int k = 24; k < 32; k++)
        low = (low << 8) | be[k];
    return high ? uint256_from_be(be) : PyLong_FromUnsignedLongLong(low);
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
        /* most balances are below 2^64 wei (18.4 ETH): 48 zero digits, then 16 to read */
        if (memcmp(p, ZEROS48, 48) == 0) {
            uint64_t v = 0;
            int bad = 0;
            for (int k = 48; k < 64; k++) {
                int d = HEXVAL[p[k]];
                bad |= d;
                v = (v << 4) | (uint64_t)(d & 0x0f);
            }
            if (bad >= 0) {
                PyObject *small = PyLong_FromUnsignedLongLong(v);
                if (small == NULL) {
                    Py_DECREF(list);
                    return NULL;
                }
                PyList_SET_ITEM(list, i, small);
                continue;
            } /* else the general path below refuses it */
        }
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
        PyObject *v = int_from_be32(be);
        if (v == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, v);
    }
    return list;
}

PyDoc_STRVAR(quantities_doc,
             "quantities(items: list) -> list[int] | None\n\n"
             "Each item a str '0x' (or '0X') + 1 to 64 hex digits (either case): the ints.\n"
             "None if any item is anything else (the caller's own path decides and words it).");

static PyObject *quantities(PyObject *self, PyObject *arg) {
    (void)self;
    if (!PyList_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "quantities takes a list");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(arg);
    PyObject *out = PyList_New(n);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyList_GET_ITEM(arg, i);
        Py_ssize_t len;
        if (!PyUnicode_CheckExact(item) || !PyUnicode_IS_ASCII(item) ||
            (len = PyUnicode_GET_LENGTH(item)) < 3 || len > 66) {
            Py_DECREF(out);
            Py_RETURN_NONE;
        }
        const uint8_t *p = PyUnicode_1BYTE_DATA(item);
        if (p[0] != '0' || (p[1] != 'x' && p[1] != 'X')) {
            Py_DECREF(out);
            Py_RETURN_NONE;
        }
        uint8_t be[32] = {0}; /* the digits right-aligned, big-endian */
        int bad = 0;
        Py_ssize_t digits = len - 2;
        for (Py_ssize_t k = 0; k < digits; k++) {
            int d = HEXVAL[p[len - 1 - k]];
            bad |= d;
            be[31 - k / 2] |= (uint8_t)((d & 0x0f) << (4 * (k & 1)));
        }
        if (bad < 0) {
            Py_DECREF(out);
            Py_RETURN_NONE;
        }
        PyObject *v = int_from_be32(be);
        if (v == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, v);
    }
    return out;
}

PyDoc_STRVAR(batch_strings_doc,
             "batch_strings(raw: bytes, lo: int, hi: int) -> list[str] | None\n\n"
             "raw is exactly '[' + the objects {\"jsonrpc\":\"2.0\",\"id\":k,\"result\":\"s\"} for\n"
             "k = lo .. hi-1 in order, separated by ',' + ']' and optional JSON whitespace, each s\n"
             "printable ASCII without a quote or a backslash (so JSON would decode it as it is):\n"
             "the strings s. None for anything else.");

static int starts(const uint8_t **p, const uint8_t *end, const char *lit, size_t len) {
    if ((size_t)(end - *p) < len || memcmp(*p, lit, len) != 0)
        return 0;
    *p += len;
    return 1;
}

/* The end of the run at p of bytes a JSON string holds as they are: printable ASCII other
 * than '"' and '\\'. 16 bytes a step with SSE2 (every x86-64): a large eth_call answer is
 * hundreds of KB of hex, which the byte loop below reads at ~0.4 ns a byte. */
static const uint8_t *plain_run(const uint8_t *p, const uint8_t *end) {
#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__)) && !defined(INTEROP_NO_X4)
    const __m128i low = _mm_set1_epi8(0x1f), high = _mm_set1_epi8(0x7f);
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)p);
        /* signed compares: bytes >= 0x80 are negative, so not > 0x1f */
        __m128i ok = _mm_and_si128(_mm_cmpgt_epi8(v, low), _mm_cmplt_epi8(v, high));
        __m128i stop = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
        unsigned bad = ((unsigned)~_mm_movemask_epi8(ok) | (unsigned)_mm_movemask_epi8(stop)) & 0xffffu;
        if (bad)
            return p + __builtin_ctz(bad);
        p += 16;
    }
#endif
    while (p < end && *p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
        p++;
    return p;
}

static const uint8_t *json_end(const uint8_t *p, const uint8_t *end) {
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        end--;
    return end;
}

static const char answer_head[] = "{\"jsonrpc\":\"2.0\",\"id\":", answer_mid[] = ",\"result\":\"";

PyDoc_STRVAR(single_string_doc,
             "single_string(raw: bytes, rid: int) -> str | None\n\n"
             "The result string of a JSON-RPC answer exactly of the shape\n"
             "{\"jsonrpc\":\"2.0\",\"id\":<rid>,\"result\":\"<string>\"} (no spaces; JSON\n"
             "whitespace after it), the string printable ASCII without quote or backslash,\n"
             "so that it is what json.loads would give; None for anything else.");

static PyObject *single_string(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *raw;
    long long rid;
    if (!PyArg_ParseTuple(args, "SL", &raw, &rid))
        return NULL;
    const uint8_t *p = (const uint8_t *)PyBytes_AS_STRING(raw);
    const uint8_t *end = json_end(p, p + PyBytes_GET_SIZE(raw));
    char id[24];
    int idlen = snprintf(id, sizeof id, "%lld", rid);
    if (!(starts(&p, end, answer_head, sizeof answer_head - 1) && starts(&p, end, id, (size_t)idlen) &&
          starts(&p, end, answer_mid, sizeof answer_mid - 1)))
        Py_RETURN_NONE;
    const uint8_t *s = p;
    p = plain_run(p, end);
    const uint8_t *e = p;
    if (!starts(&p, end, "\"}", 2) || p != end)
        Py_RETURN_NONE;
    PyObject *value = PyUnicode_New(e - s, 127);
    if (value == NULL)
        return NULL;
    memcpy(PyUnicode_1BYTE_DATA(value), s, (size_t)(e - s));
    return value;
}

static PyObject *batch_strings(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *raw;
    long long lo, hi;
    if (!PyArg_ParseTuple(args, "SLL", &raw, &lo, &hi))
        return NULL;
    if (lo < 0 || hi < lo)
        Py_RETURN_NONE;
    const uint8_t *p = (const uint8_t *)PyBytes_AS_STRING(raw);
    const uint8_t *end = json_end(p, p + PyBytes_GET_SIZE(raw));
    PyObject *out = PyList_New((Py_ssize_t)(hi - lo));
    if (out == NULL)
        return NULL;
    const char *head = answer_head, *mid = answer_mid;
    const size_t head_len = sizeof answer_head - 1, mid_len = sizeof answer_mid - 1;
    int ok = starts(&p, end, "[", 1);
    for (long long k = lo; ok && k < hi; k++) {
        char id[24];
        int idlen = snprintf(id, sizeof id, "%lld", k);
        ok = (k == lo || starts(&p, end, ",", 1)) && starts(&p, end, head, head_len) &&
             starts(&p, end, id, (size_t)idlen) && starts(&p, end, mid, mid_len);
        if (!ok)
            break;
        const uint8_t *s = p;
        p = plain_run(p, end);
        ok = starts(&p, end, "\"}", 2);
        if (!ok)
            break;
        PyObject *value = PyUnicode_New(p - 2 - s, 127);
        if (value == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        memcpy(PyUnicode_1BYTE_DATA(value), s, (size_t)(p - 2 - s));
        PyList_SET_ITEM(out, (Py_ssize_t)(k - lo), value);
    }
    if (!ok || !starts(&p, end, "]", 1) || p != end) {
        Py_DECREF(out);
        Py_RETURN_NONE;
    }
    return out;
}

static PyMethodDef methods[] = {
    {"hex_words", hex_words, METH_VARARGS, hex_words_doc},
    {"digest", digest, METH_O, digest_doc},
    {"prefixes", prefixes, METH_VARARGS, prefixes_doc},
    {"checksum_keys", checksum_keys, METH_O, checksum_keys_doc},
    {"address_bodies", address_bodies, METH_O, address_bodies_doc},
    {"quantities", quantities, METH_O, quantities_doc},
    {"batch_strings", batch_strings, METH_VARARGS, batch_strings_doc},
    {"single_string", single_string, METH_VARARGS, single_string_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "interop._speedups",
    "keccak-256 and hex words in C, many at a time (optional; see interop.speedups).", -1,
    methods,
};

PyMODINIT_FUNC PyInit__speedups(void) {
    init_hexval();
    use_x4 = have_avx2();
    return PyModule_Create(&module);
}

/*
 * vault.c - encryption at rest of personal data and keyed "blind" hashes
 * that make some of it searchable (contract in vault.h, design in
 * docs/internals/vault.md).
 *
 * Data structures:
 *   - The key file: text, one `tipwatch-key ID BASE64` line per 32-byte
 *     master key, '#' comments. Parsed into a key_file_t: the file's bytes
 *     and a sodium_allocarray()'d array of the keys sorted by id, each with
 *     the byte range of its line (so add and retire can rewrite the file
 *     keeping every other line as it was).
 *   - struct vault: a sodium_allocarray()'d array of vkey_t (id, AEAD
 *     subkey, blind subkey) sorted by id; the last one is the current key.
 *     Master keys are not kept once the subkeys are derived.
 *   - A blob: format byte 1 | key id (uint32 big-endian) | 24-byte nonce |
 *     XChaCha20-Poly1305 ciphertext and 16-byte tag. The AEAD's associated
 *     data is the 5 header bytes followed by the caller's `ad` string.
 *
 * Invariants:
 *   1. A vault holds at least one key, ids are unique and ascending, and
 *      the key array is read-only (sodium_mprotect_readonly) from the end of
 *      vault_open() until vault_close() wipes and frees it.
 *   2. Every buffer that held a master key, a subkey, key-file text or
 *      plaintext is wiped with sodium_memzero() before it is freed or goes
 *      out of scope; no error message quotes key-file text or plaintext.
 *   3. The key file only changes by a whole-file replacement (temporary file
 *      of mode 0600 in the same directory, fsync, rename, fsync of the
 *      directory) made under an exclusive flock() on that directory, so
 *      readers see the old or the new file, and two concurrent rewrites
 *      cannot lose each other's keys.
 *   4. vault_unseal() appends to `out` only when the blob authenticated.
 *
 * Thread model: vault_open() builds the vault; from then on it is only read,
 * so seal, unseal and blind may run on any number of threads at once.
 * libsodium is initialised once per process through auth_init().
 *
 * Ownership: vault_open() returns a vault the caller frees with
 * vault_close(); seal, unseal and blind append to or write into buffers the
 * caller owns.
 */
#include "cases/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "access/auth.h"

#define VAULT_FORMAT 1
#define HEADER_LEN 5 /* format byte and key id */
#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
#define MASTER_LEN crypto_kdf_KEYBYTES
#define BLIND_LEN 16

/* A key file larger than this is not a key file (a key line is ~60 bytes). */
#define KEY_FILE_MAX (1024 * 1024)
#define KEYS_MAX 1024

#define KEY_TAG "tipwatch-key"

/* crypto_kdf context: exactly crypto_kdf_CONTEXTBYTES (8) characters. */
static const char kdf_context[] = "twvault1";
enum { SUBKEY_AEAD = 1, SUBKEY_BLIND = 2 };

_Static_assert(sizeof(kdf_context) - 1 == crypto_kdf_CONTEXTBYTES, "kdf context is 8 bytes");
_Static_assert(VAULT_OVERHEAD == HEADER_LEN + NONCE_LEN + TAG_LEN, "blob layout");
_Static_assert(VAULT_BLIND_HEX == 2 * BLIND_LEN, "blind index length");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32, "AEAD key size");
_Static_assert(crypto_generichash_KEYBYTES == 32, "blind key size");

typedef struct {
    uint32_t id;
    unsigned char aead[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
    unsigned char blind[crypto_generichash_KEYBYTES];
} vkey_t;

struct vault {
    vkey_t *keys; /* sodium_allocarray, read-only, ascending ids */
    size_t nkeys; /* >= 1; keys[nkeys - 1] is current */
};

/* One key line of a key file. */
typedef struct {
    uint32_t id;
    long line;        /* 1-based */
    size_t off, end;  /* the line's bytes in the text, newline included */
    unsigned char master[MASTER_LEN];
} file_key_t;

typedef struct {
    char *text; /* malloc'd, the file's bytes; wiped on free */
    size_t len;
    file_key_t *keys; /* sodium_allocarray, ascending ids */
    size_t nkeys;
    size_t cap;
} key_file_t;

/* ---- small helpers ---------------------------------------------------- */

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* The key with id `id`, or NULL. */
static const vkey_t *find_key(const vault_t *v, uint32_t id)
{
    size_t lo = 0, hi = v->nkeys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->keys[mid].id == id)
            return &v->keys[mid];
        if (v->keys[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/*
 * The AEAD's associated data: the blob's 5 header bytes, then the bytes of
 * `ad`. Points *adp at `small` when it fits, else at a malloc'd buffer the
 * caller frees when *adp != small.
 */
static tw_err_t make_ad(const unsigned char *header, const char *ad, unsigned char *small,
                        size_t small_cap, unsigned char **adp, size_t *adlen)
{
    size_t n = ad ? strlen(ad) : 0;
    unsigned char *p = small;

    if (n > SIZE_MAX - HEADER_LEN)
        return TW_ETOOBIG;
    if (HEADER_LEN + n > small_cap) {
        p = malloc(HEADER_LEN + n);
        if (!p)
            return TW_ENOMEM;
    }
    memcpy(p, header, HEADER_LEN);
    if (n)
        memcpy(p + HEADER_LEN, ad, n);
    *adp = p;
    *adlen = HEADER_LEN + n;
    return TW_OK;
}

/* ---- reading and parsing the key file --------------------------------- */

static void key_file_free(key_file_t *kf)
{
    if (kf->text) {
        sodium_memzero(kf->text, kf->len);
        free(kf->text);
    }
    sodium_free(kf->keys); /* wipes; NULL is fine */
    memset(kf, 0, sizeof(*kf));
}

/* Reads the key file at `path` into kf->text after checking that it is a
 * regular file that neither group nor others may read or write. */
static tw_err_t key_file_read(const char *path, key_file_t *kf, tw_errinfo_t *ei)
{
    struct stat sb;
    int fd, e;
    tw_err_t err = TW_OK;
    size_t cap = 4096;

    /* O_NONBLOCK: a FIFO put in place of the file must not hang us. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        e = errno;
        if (e == ENOENT)
            return tw_errinfo_set(ei, TW_ENOTFOUND,
                                  "key file not found (create one with `tipwatch keys init`)");
        if (e == EACCES)
            return tw_errinfo_set(ei, TW_EPERM, "cannot read the key file: %s", strerror(e));
        return tw_errinfo_set(ei, TW_EIO, "cannot open the key file: %s", strerror(e));
    }
    if (fstat(fd, &sb) != 0) {
        err = tw_errinfo_set(ei, TW_EIO, "cannot stat the key file: %s", strerror(errno));
        goto out;
    }
    if (!S_ISREG(sb.st_mode)) {
        err = tw_errinfo_set(ei, TW_EINPUT, "the key file is not a regular file");
        goto out;
    }
    if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
        err = tw_errinfo_set(ei, TW_EPERM,
                             "the key file has mode %04o: group or others may use it; "
                             "run `chmod 600 %s`",
                             (unsigned)(sb.st_mode & 07777), path);
        goto out;
    }
    if (sb.st_size > KEY_FILE_MAX) {
        err = tw_errinfo_set(ei, TW_EINPUT, "the key file is larger than %d bytes", KEY_FILE_MAX);
        goto out;
    }
    /* Read to the end rather than trusting st_size; grow without realloc so
     * no copy of key text is left behind in freed memory. */
    kf->text = malloc(cap);
    if (!kf->text) {
        err = TW_ENOMEM;
        goto out;
    }
    for (;;) {
        ssize_t n;
        if (kf->len == cap) {
            char *bigger;
            if (cap > KEY_FILE_MAX) {
                err = tw_errinfo_set(ei, TW_EINPUT, "the key file is larger than %d bytes",
                                     KEY_FILE_MAX);
                goto out;
            }
            bigger = malloc(cap * 2);
            if (!bigger) {
                err = TW_ENOMEM;
                goto out;
            }
            memcpy(bigger, kf->text, kf->len);
            sodium_memzero(kf->text, cap);
            free(kf->text);
            kf->text = bigger;
            cap *= 2;
        }
        n = read(fd, kf->text + kf->len, cap - kf->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = tw_errinfo_set(ei, TW_EIO, "cannot read the key file: %s", strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        kf->len += (size_t)n;
    }
    if (kf->len > KEY_FILE_MAX)
        err = tw_errinfo_set(ei, TW_EINPUT, "the key file is larger than %d bytes", KEY_FILE_MAX);
out:
    close(fd);
    return err;
}

/* Parses a decimal key id of 1 to 4294967295. */
static int parse_id(const char *p, size_t n, uint32_t *id)
{
    uint64_t v = 0;
    size_t i;

    if (n == 0 || n > 10)
        return -1;
    for (i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    if (v == 0 || v > UINT32_MAX)
        return -1;
    *id = (uint32_t)v;
    return 0;
}

/* Counts the lines that may hold a key (neither blank nor a comment). */
static size_t count_candidate_lines(const char *t, size_t len)
{
    size_t i = 0, n = 0;
    while (i < len) {
        while (i < len && (is_blank(t[i]) || t[i] == '\r'))
            i++;
        if (i < len && t[i] != '\n' && t[i] != '#')
            n++;
        while (i < len && t[i] != '\n')
            i++;
        i++;
    }
    return n;
}

/*
 * Parses one line (without its newline) into `k`, setting *is_key to 1 for a
 * key line and 0 for a blank or comment line; or an error, reason in `ei`.
 */
static tw_err_t parse_line(const char *s, size_t n, file_key_t *k, int *is_key, tw_errinfo_t *ei)
{
    static const char shape[] = "expected `" KEY_TAG " ID BASE64-KEY`";
    const char *tok[3];
    size_t toklen[3], i = 0, t;
    unsigned char bin[64];
    size_t binlen = 0;
    const char *b64_end = NULL;
    tw_err_t err = TW_OK;

    *is_key = 0;
    if (n && s[n - 1] == '\r')
        n--;
    while (i < n && is_blank(s[i]))
        i++;
    if (i == n || s[i] == '#')
        return TW_OK;
    for (t = 0; t < 3; t++) {
        while (i < n && is_blank(s[i]))
            i++;
        if (i == n || s[i] == '#')
            return tw_errinfo_set(ei, TW_EINPUT, "%s: the line has %zu field%s", shape, t,
                                  t == 1 ? "" : "s");
        tok[t] = s + i;
        while (i < n && !is_blank(s[i]))
            i++;
        toklen[t] = (size_t)(s + i - tok[t]);
    }
    while (i < n && is_blank(s[i]))
        i++;
    if (i < n && s[i] != '#')
        return tw_errinfo_set(ei, TW_EINPUT, "%s: unexpected text after the key", shape);
    if (toklen[0] != sizeof(KEY_TAG) - 1 || memcmp(tok[0], KEY_TAG, toklen[0]) != 0)
        return tw_errinfo_set(ei, TW_EINPUT, "%s: the line does not start with `" KEY_TAG "`",
                              shape);
    if (parse_id(tok[1], toklen[1], &k->id) != 0)
        return tw_errinfo_set(ei, TW_EINPUT,
                              "the key id is not a whole number from 1 to 4294967295");
    if (sodium_base642bin(bin, sizeof(bin), tok[2], toklen[2], NULL, &binlen, &b64_end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        b64_end != tok[2] + toklen[2]) {
        err = tw_errinfo_set(ei, TW_EINPUT, "key %u is not valid base64", (unsigned)k->id);
        goto out;
    }
    if (binlen != MASTER_LEN) {
        err = tw_errinfo_set(ei, TW_EINPUT,
                             "key %u is %zu bytes; a key is %d bytes (44 characters of base64)",
                             (unsigned)k->id, binlen, MASTER_LEN);
        goto out;
    }
    memcpy(k->master, bin, MASTER_LEN);
    *is_key = 1;
out:
    sodium_memzero(bin, sizeof(bin));
    return err;
}

static void swap_keys(file_key_t *a, file_key_t *b)
{
    unsigned char *pa = (unsigned char *)a, *pb = (unsigned char *)b;
    size_t i;
    for (i = 0; i < sizeof(*a); i++) {
        unsigned char c = pa[i];
        pa[i] = pb[i];
        pb[i] = c;
    }
}

/* Parses kf->text into kf->keys, sorted by id. Errors name the line. */
static tw_err_t key_file_parse(key_file_t *kf, tw_errinfo_t *ei)
{
    size_t cand = count_candidate_lines(kf->text, kf->len);
    size_t off = 0;
    long line = 0;
    tw_err_t err = TW_OK;

    if (cand > KEYS_MAX)
        return tw_errinfo_set(ei, TW_EINPUT, "the key file has more than %d keys", KEYS_MAX);
    /* one slot more than the key lines: every line, blank and comment ones
     * included, is parsed into the next free slot, also after the last key */
    kf->cap = cand + 1;
    kf->keys = sodium_allocarray(kf->cap, sizeof(file_key_t));
    if (!kf->keys)
        return TW_ENOMEM;
    while (off < kf->len) {
        const char *nl = memchr(kf->text + off, '\n', kf->len - off);
        size_t end = nl ? (size_t)(nl - kf->text) + 1 : kf->len;
        size_t body = nl ? end - 1 - off : end - off;
        file_key_t *k;
        size_t pos, j;
        int is_key = 0;

        line++;
        if (kf->nkeys == kf->cap) /* cannot happen: cand counted every key line */
            return tw_errinfo_set(ei, TW_EINTERNAL, "key count");
        k = &kf->keys[kf->nkeys];
        if (memchr(kf->text + off, '\0', body)) {
            err = tw_errinfo_set(ei, TW_EINPUT, "the line contains a NUL byte");
        } else {
            err = parse_line(kf->text + off, body, k, &is_key, ei);
        }
        if (err) {
            if (ei)
                ei->line = line;
            sodium_memzero(k, sizeof(*k));
            return err;
        }
        if (is_key) {
            k->line = line;
            k->off = off;
            k->end = end;
            /* Its place in id order. */
            for (pos = 0; pos < kf->nkeys && kf->keys[pos].id < k->id; pos++)
                ;
            if (pos < kf->nkeys && kf->keys[pos].id == k->id) {
                if (ei)
                    ei->line = line;
                err = tw_errinfo_set(ei, TW_EINPUT, "key id %u appears twice (first on line %ld)",
                                     (unsigned)k->id, kf->keys[pos].line);
                sodium_memzero(k, sizeof(*k));
                return err;
            }
            /* k sits at index nkeys; bubble it down to pos. Swapping in
             * place keeps key bytes inside the locked array (qsort may
             * copy elements to memory nobody wipes). */
            for (j = kf->nkeys; j > pos; j--)
                swap_keys(&kf->keys[j], &kf->keys[j - 1]);
            kf->nkeys++;
        }
        off = end;
    }
    if (kf->nkeys == 0) {
        return tw_errinfo_set(ei, TW_EINPUT,
                              "the key file holds no key (a line `" KEY_TAG " ID BASE64-KEY`)");
    }
    return TW_OK;
}

/* Reads and parses; on error kf is freed. ei names the file. */
static tw_err_t key_file_load(const char *path, key_file_t *kf, tw_errinfo_t *ei)
{
    tw_err_t err;

    memset(kf, 0, sizeof(*kf));
    tw_errinfo_clear(ei);
    tw_errinfo_file(ei, path);
    err = key_file_read(path, kf, ei);
    if (!err)
        err = key_file_parse(kf, ei);
    if (err)
        key_file_free(kf);
    return err;
}

/* ---- writing the key file --------------------------------------------- */

/* The directory part of `path` into `dir` ("." when there is none). */
static tw_err_t dir_of(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    int n;

    if (!slash)
        n = snprintf(dir, cap, ".");
    else if (slash == path)
        n = snprintf(dir, cap, "/");
    else
        n = snprintf(dir, cap, "%.*s", (int)(slash - path), path);
    return (n < 0 || (size_t)n >= cap) ? TW_ETOOBIG : TW_OK;
}

/* Opens the directory of `path` and takes an exclusive flock() on it: the
 * lock under which the key file is read, changed and replaced. */
static tw_err_t dir_lock(const char *path, int *dirfd, tw_errinfo_t *ei)
{
    char dir[PATH_MAX];
    int fd;

    if (dir_of(path, dir, sizeof(dir)) != TW_OK)
        return tw_errinfo_set(ei, TW_EINPUT, "the key file's path is too long");
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return tw_errinfo_set(ei, e == ENOENT ? TW_ENOTFOUND : TW_EIO,
                              "cannot open the key file's directory %s: %s", dir, strerror(e));
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            int e = errno;
            close(fd);
            return tw_errinfo_set(ei, TW_EIO, "cannot lock the key file's directory: %s",
                                  strerror(e));
        }
    }
    *dirfd = fd;
    return TW_OK;
}

static tw_err_t write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return TW_EIO;
        p += w;
        n -= (size_t)w;
    }
    return TW_OK;
}

/* Writes `a` then `b` to `fd` and syncs it. */
static tw_err_t write_sync(int fd, const char *a, size_t alen, const char *b, size_t blen)
{
    if (write_all(fd, a, alen) != TW_OK || write_all(fd, b, blen) != TW_OK)
        return TW_EIO;
    if (fsync(fd) != 0)
        return TW_EIO;
    return TW_OK;
}

/*
 * Replaces the file at `path` by `a` followed by `b`: a temporary file of
 * mode 0600 next to it, fsync, rename over `path`, fsync of the directory
 * (`dirfd`). On error `path` is unchanged and the temporary file removed.
 */
static tw_err_t file_replace(const char *path, int dirfd, const char *a, size_t alen,
                             const char *b, size_t blen, tw_errinfo_t *ei)
{
    char tmp[PATH_MAX];
    int fd, n;
    tw_err_t err = TW_OK;

    n = snprintf(tmp, sizeof(tmp), "%s.tmp-XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof(tmp))
        return tw_errinfo_set(ei, TW_EINPUT, "the key file's path is too long");
    fd = mkstemp(tmp); /* O_CREAT | O_EXCL, mode 0600 */
    if (fd < 0)
        return tw_errinfo_set(ei, TW_EIO, "cannot create a temporary key file: %s",
                              strerror(errno));
    if (fchmod(fd, S_IRUSR | S_IWUSR) != 0 || write_sync(fd, a, alen, b, blen) != TW_OK) {
        err = tw_errinfo_set(ei, TW_EIO, "cannot write the temporary key file %s: %s", tmp,
                             strerror(errno));
        close(fd);
        unlink(tmp);
        return err;
    }
    if (close(fd) != 0) {
        err = tw_errinfo_set(ei, TW_EIO, "cannot write the temporary key file %s: %s", tmp,
                             strerror(errno));
        unlink(tmp);
        return err;
    }
    if (rename(tmp, path) != 0) {
        err = tw_errinfo_set(ei, TW_EIO, "cannot replace the key file: %s", strerror(errno));
        unlink(tmp);
        return err;
    }
    if (fsync(dirfd) != 0)
        return tw_errinfo_set(ei, TW_EIO,
                              "the key file was replaced but its directory could not be "
                              "synced: %s",
                              strerror(errno));
    return TW_OK;
}

/*
 * Formats a fresh key line for `id` into `line` (wiped by the caller):
 * `tipwatch-key ID BASE64  # added YYYY-MM-DDTHH:MM:SSZ`.
 */
static tw_err_t new_key_line(uint32_t id, char *line, size_t cap, size_t *len)
{
    unsigned char key[MASTER_LEN];
    char b64[sodium_base64_ENCODED_LEN(MASTER_LEN, sodium_base64_VARIANT_ORIGINAL)];
    char when[32] = "";
    time_t now = time(NULL);
    struct tm tm;
    int n;

    crypto_kdf_keygen(key);
    sodium_bin2base64(b64, sizeof(b64), key, sizeof(key), sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(key, sizeof(key));
    if (gmtime_r(&now, &tm))
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    n = snprintf(line, cap, KEY_TAG " %u %s  # added %s\n", (unsigned)id, b64, when);
    sodium_memzero(b64, sizeof(b64));
    if (n < 0 || (size_t)n >= cap)
        return TW_EINTERNAL;
    *len = (size_t)n;
    return TW_OK;
}

/* ---- public: key file ------------------------------------------------- */

tw_err_t vault_key_file_create(const char *path, tw_errinfo_t *ei)
{
    static const char head[] =
        "# tipwatch key file: the master keys of the data encrypted at rest\n"
        "# (docs/internals/vault.md). Keep it outside the database directory, mode 0600,\n"
        "# and back it up apart from the database: without it the encrypted data is lost.\n";
    char line[256];
    size_t linelen = 0;
    int fd = -1, dirfd = -1, created = 0;
    tw_err_t err;

    tw_errinfo_clear(ei);
    tw_errinfo_file(ei, path);
    if ((err = auth_init()) != TW_OK)
        return tw_errinfo_set(ei, err, "libsodium failed to initialise");
    if ((err = dir_lock(path, &dirfd, ei)) != TW_OK)
        return err;
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, S_IRUSR | S_IWUSR);
    if (fd < 0) {
        int e = errno;
        if (e == EEXIST)
            err = tw_errinfo_set(ei, TW_ECONFLICT,
                                 "the key file already exists; it is never overwritten");
        else
            err = tw_errinfo_set(ei, TW_EIO, "cannot create the key file: %s", strerror(e));
        goto out;
    }
    created = 1;
    if ((err = new_key_line(1, line, sizeof(line), &linelen)) != TW_OK)
        goto out;
    /* The umask can only have cleared bits of 0600; set it exactly anyway. */
    if (fchmod(fd, S_IRUSR | S_IWUSR) != 0 ||
        write_sync(fd, head, sizeof(head) - 1, line, linelen) != TW_OK) {
        err = tw_errinfo_set(ei, TW_EIO, "cannot write the key file: %s", strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        err = tw_errinfo_set(ei, TW_EIO, "cannot write the key file: %s", strerror(errno));
        goto out;
    }
    fd = -1;
    if (fsync(dirfd) != 0)
        err = tw_errinfo_set(ei, TW_EIO, "cannot sync the key file's directory: %s",
                             strerror(errno));
out:
    sodium_memzero(line, sizeof(line));
    if (fd >= 0)
        close(fd);
    if (err && created && err != TW_ECONFLICT)
        unlink(path); /* ours, and incomplete: let a retry create it */
    if (dirfd >= 0)
        close(dirfd); /* releases the lock */
    return err;
}

/* The start of every rewrite of the key file: libsodium, the directory's
 * lock (*dirfd, -1 until taken), the file read (*loaded = 1 once kf holds
 * it). The caller closes *dirfd and frees kf when *loaded. */
static tw_err_t key_file_open_locked(const char *path, key_file_t *kf, int *dirfd, int *loaded,
                                     tw_errinfo_t *ei)
{
    tw_err_t err;

    tw_errinfo_clear(ei);
    tw_errinfo_file(ei, path);
    memset(kf, 0, sizeof(*kf));
    if ((err = auth_init()) != TW_OK)
        return tw_errinfo_set(ei, err, "libsodium failed to initialise");
    if ((err = dir_lock(path, dirfd, ei)) != TW_OK)
        return err;
    if ((err = key_file_load(path, kf, ei)) != TW_OK)
        return err;
    *loaded = 1;
    return TW_OK;
}

tw_err_t vault_key_add(const char *path, uint32_t *new_id, tw_errinfo_t *ei)
{
    key_file_t kf;
    char line[256];
    size_t linelen = 0;
    int dirfd = -1, loaded = 0;
    uint32_t id;
    tw_err_t err;

    if ((err = key_file_open_locked(path, &kf, &dirfd, &loaded, ei)) != TW_OK)
        goto out;
    if (kf.keys[kf.nkeys - 1].id == UINT32_MAX) {
        err = tw_errinfo_set(ei, TW_ETOOBIG, "the key file's newest id is 4294967295; no "
                                             "further key can be added");
        goto out;
    }
    if (kf.nkeys >= KEYS_MAX) {
        err = tw_errinfo_set(ei, TW_ETOOBIG,
                             "the key file already has %d keys; retire old ones first", KEYS_MAX);
        goto out;
    }
    id = kf.keys[kf.nkeys - 1].id + 1;
    if (kf.len && kf.text[kf.len - 1] != '\n') {
        line[0] = '\n';
        err = new_key_line(id, line + 1, sizeof(line) - 1, &linelen);
        linelen++;
    } else {
        err = new_key_line(id, line, sizeof(line), &linelen);
    }
    if (err)
        goto out;
    if ((err = file_replace(path, dirfd, kf.text, kf.len, line, linelen, ei)) != TW_OK)
        goto out;
    if (new_id)
        *new_id = id;
out:
    sodium_memzero(line, sizeof(line));
    if (loaded)
        key_file_free(&kf);
    if (dirfd >= 0)
        close(dirfd);
    return err;
}

/*
 * Writes the lines of the keys below `keep_from` (with a comment header) to a
 * new file `archive` (O_EXCL, mode 0600), syncs it and its directory. An
 * existing file is never overwritten (TW_ECONFLICT); on error the partial
 * archive is removed.
 */
static tw_err_t write_archive(const key_file_t *kf, uint32_t keep_from, const char *archive,
                              tw_errinfo_t *ei)
{
    static const char head[] =
        "# tipwatch retired keys: keys that no longer seal anything in the database they\n"
        "# were retired from, kept to open older backups of it (docs/internals/keys.md).\n"
        "# Store this file offline, mode 0600; destroy it with the last such backup.\n";
    char dir[PATH_MAX];
    int fd, afd, e = 0;
    size_t i;
    tw_err_t err = TW_OK;

    if (dir_of(archive, dir, sizeof(dir)) != TW_OK)
        return tw_errinfo_set(ei, TW_EINPUT, "the archive's path is too long");
    fd = open(archive, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, S_IRUSR | S_IWUSR);
    if (fd < 0) {
        e = errno;
        return tw_errinfo_set(ei, e == EEXIST ? TW_ECONFLICT : TW_EIO,
                              "cannot create the archive of retired keys %s: %s", archive,
                              e == EEXIST ? "it exists (never overwritten)" : strerror(e));
    }
    if (fchmod(fd, S_IRUSR | S_IWUSR) != 0 || write_all(fd, head, sizeof(head) - 1) != TW_OK)
        err = TW_EIO;
    for (i = 0; err == TW_OK && i < kf->nkeys && kf->keys[i].id < keep_from; i++) {
        const file_key_t *k = &kf->keys[i];
        err = write_all(fd, kf->text + k->off, k->end - k->off);
        if (err == TW_OK && kf->text[k->end - 1] != '\n') /* the file's last line */
            err = write_all(fd, "\n", 1);
    }
    if (err == TW_OK && fsync(fd) != 0)
        err = TW_EIO;
    if (err != TW_OK)
        e = errno;
    if (close(fd) != 0 && err == TW_OK) {
        e = errno;
        err = TW_EIO;
    }
    if (err == TW_OK) {
        afd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (afd < 0 || fsync(afd) != 0) {
            e = errno;
            err = TW_EIO;
        }
        if (afd >= 0)
            close(afd);
    }
    if (err != TW_OK) {
        err = tw_errinfo_set(ei, TW_EIO, "cannot write the archive of retired keys %s: %s",
                             archive, strerror(e ? e : EIO));
        unlink(archive);
    }
    return err;
}

tw_err_t vault_key_retire(const char *path, uint32_t keep_from, tw_errinfo_t *ei)
{
    return vault_key_retire_to(path, keep_from, NULL, ei);
}

/* Rewrites the key file (locked, dirfd its directory) with every byte but
 * the lines of the keys with lo <= id < hi, in file order. */
static tw_err_t rewrite_without(const char *path, int dirfd, const key_file_t *kf, uint32_t lo,
                                uint64_t hi, tw_errinfo_t *ei)
{
    size_t cap = kf->len ? kf->len : 1, tlen = 0, off = 0, i;
    char *text = malloc(cap);
    tw_err_t err;

    if (!text)
        return TW_ENOMEM;
    while (off < kf->len) {
        const char *nl = memchr(kf->text + off, '\n', kf->len - off);
        size_t end = nl ? (size_t)(nl - kf->text) + 1 : kf->len;
        int drop = 0;
        for (i = 0; i < kf->nkeys; i++) {
            if (kf->keys[i].off == off && kf->keys[i].id >= lo && kf->keys[i].id < hi) {
                drop = 1;
                break;
            }
        }
        if (!drop) {
            memcpy(text + tlen, kf->text + off, end - off);
            tlen += end - off;
        }
        off = end;
    }
    err = file_replace(path, dirfd, text, tlen, "", 0, ei);
    sodium_memzero(text, cap);
    free(text);
    return err;
}

tw_err_t vault_key_retire_to(const char *path, uint32_t keep_from, const char *archive,
                             tw_errinfo_t *ei)
{
    key_file_t kf;
    int dirfd = -1, loaded = 0;
    tw_err_t err;

    if ((err = key_file_open_locked(path, &kf, &dirfd, &loaded, ei)) != TW_OK)
        goto out;
    if (kf.keys[kf.nkeys - 1].id < keep_from) {
        err = tw_errinfo_set(ei, TW_EINPUT,
                             "retiring the keys below %u would remove every key (the newest "
                             "is %u)",
                             (unsigned)keep_from, (unsigned)kf.keys[kf.nkeys - 1].id);
        goto out;
    }
    if (kf.keys[0].id >= keep_from)
        goto out; /* nothing to retire; the file stays as it is, no archive */
    /* The archive first: once the keys leave the file, a copy exists. */
    if (archive && (err = write_archive(&kf, keep_from, archive, ei)) != TW_OK)
        goto out;
    err = rewrite_without(path, dirfd, &kf, 0, keep_from, ei);
out:
    if (loaded)
        key_file_free(&kf);
    if (dirfd >= 0)
        close(dirfd);
    return err;
}

tw_err_t vault_key_drop(const char *path, uint32_t key_id, tw_errinfo_t *ei)
{
    key_file_t kf;
    int dirfd = -1, loaded = 0;
    tw_err_t err;

    if ((err = key_file_open_locked(path, &kf, &dirfd, &loaded, ei)) != TW_OK)
        goto out;
    if (kf.nkeys < 2 || kf.keys[kf.nkeys - 1].id != key_id) {
        err = tw_errinfo_set(ei, TW_ECONFLICT,
                             "key %u is not the newest of several keys in the key file: it stays",
                             (unsigned)key_id);
        goto out;
    }
    err = rewrite_without(path, dirfd, &kf, key_id, key_id + 1, ei);
out:
    if (loaded)
        key_file_free(&kf);
    if (dirfd >= 0)
        close(dirfd);
    return err;
}

/* ---- public: the vault ------------------------------------------------ */

tw_err_t vault_key_path(const char *given, const char *db_path, char *out, size_t cap,
                        tw_errinfo_t *ei)
{
    const char *env = getenv("TIPWATCH_KEY_FILE");
    int n;

    if (given)
        n = snprintf(out, cap, "%s", given);
    else if (env && *env)
        n = snprintf(out, cap, "%s", env);
    else
        n = snprintf(out, cap, "%s.key", db_path ? db_path : "tipwatch.db");
    if (n < 0 || (size_t)n >= cap) {
        tw_errinfo_field(ei, "key-file");
        return tw_errinfo_set(ei, TW_EINPUT, "the key file path is longer than %zu bytes",
                              cap - 1);
    }
    return TW_OK;
}

tw_err_t vault_open(const char *path, vault_t **out, tw_errinfo_t *ei)
{
    key_file_t kf;
    vault_t *v = NULL;
    size_t i;
    tw_err_t err;

    *out = NULL;
    tw_errinfo_clear(ei);
    tw_errinfo_file(ei, path);
    if ((err = auth_init()) != TW_OK)
        return tw_errinfo_set(ei, err, "libsodium failed to initialise");
    if ((err = key_file_load(path, &kf, ei)) != TW_OK)
        return err;
    v = calloc(1, sizeof(*v));
    if (!v) {
        err = TW_ENOMEM;
        goto out;
    }
    v->keys = sodium_allocarray(kf.nkeys, sizeof(vkey_t));
    if (!v->keys) {
        err = TW_ENOMEM;
        goto out;
    }
    v->nkeys = kf.nkeys;
    for (i = 0; i < kf.nkeys; i++) {
        vkey_t *k = &v->keys[i];
        k->id = kf.keys[i].id;
        if (crypto_kdf_derive_from_key(k->aead, sizeof(k->aead), SUBKEY_AEAD, kdf_context,
                                       kf.keys[i].master) != 0 ||
            crypto_kdf_derive_from_key(k->blind, sizeof(k->blind), SUBKEY_BLIND, kdf_context,
                                       kf.keys[i].master) != 0) {
            err = tw_errinfo_set(ei, TW_EINTERNAL, "key derivation failed");
            goto out;
        }
    }
    sodium_mprotect_readonly(v->keys); /* invariant 1 */
    *out = v;
    v = NULL;
out:
    key_file_free(&kf);
    vault_close(v);
    return err;
}

void vault_close(vault_t *v)
{
    if (!v)
        return;
    if (v->keys) {
        sodium_mprotect_readwrite(v->keys);
        sodium_memzero(v->keys, v->nkeys * sizeof(vkey_t));
        sodium_free(v->keys);
    }
    free(v);
}

uint32_t vault_current_key(const vault_t *v)
{
    return v->keys[v->nkeys - 1].id;
}

size_t vault_key_count(const vault_t *v)
{
    return v->nkeys;
}

uint32_t vault_key_id(const vault_t *v, size_t i)
{
    return i < v->nkeys ? v->keys[i].id : 0;
}

tw_err_t vault_seal(const vault_t *v, const char *ad, const void *plain, size_t len,
                    tw_buf_t *out)
{
    static const unsigned char none = 0;
    const vkey_t *k = &v->keys[v->nkeys - 1];
    unsigned char small[256], *adp = NULL, *blob = NULL;
    unsigned long long clen = 0;
    size_t adlen = 0;
    tw_err_t err;

    if (len > SIZE_MAX - VAULT_OVERHEAD ||
        len > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX)
        return TW_ETOOBIG;
    /* The blob holds only ciphertext: no plaintext is copied anywhere. */
    blob = malloc(len + VAULT_OVERHEAD);
    if (!blob)
        return TW_ENOMEM;
    blob[0] = VAULT_FORMAT;
    put_be32(blob + 1, k->id);
    randombytes_buf(blob + HEADER_LEN, NONCE_LEN);
    if ((err = make_ad(blob, ad, small, sizeof(small), &adp, &adlen)) != TW_OK)
        goto out;
    crypto_aead_xchacha20poly1305_ietf_encrypt(blob + HEADER_LEN + NONCE_LEN, &clen,
                                               len ? plain : &none, len, adp, adlen, NULL,
                                               blob + HEADER_LEN, k->aead);
    if (clen != len + TAG_LEN) {
        err = TW_EINTERNAL;
        goto out;
    }
    err = buf_add(out, blob, len + VAULT_OVERHEAD);
out:
    if (adp && adp != small)
        free(adp);
    free(blob);
    return err;
}

tw_err_t vault_blob_key(const void *blob, size_t len, uint32_t *key_id)
{
    const unsigned char *b = blob;
    if (!b || len < VAULT_OVERHEAD || b[0] != VAULT_FORMAT)
        return TW_EINPUT;
    *key_id = get_be32(b + 1);
    return TW_OK;
}

tw_err_t vault_unseal(const vault_t *v, const char *ad, const void *blob, size_t len,
                      tw_buf_t *out)
{
    const unsigned char *b = blob;
    const vkey_t *k;
    unsigned char small[256], *adp = NULL, *plain = NULL;
    unsigned long long mlen = 0;
    size_t cap = 0, adlen = 0;
    uint32_t id;
    tw_err_t err;

    if ((err = vault_blob_key(blob, len, &id)) != TW_OK)
        return err;
    k = find_key(v, id);
    if (!k)
        return TW_ENOTFOUND;
    cap = len - VAULT_OVERHEAD;
    plain = malloc(cap ? cap : 1);
    if (!plain)
        return TW_ENOMEM;
    if ((err = make_ad(b, ad, small, sizeof(small), &adp, &adlen)) != TW_OK)
        goto out;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &mlen, NULL, b + HEADER_LEN + NONCE_LEN,
                                                   len - HEADER_LEN - NONCE_LEN, adp, adlen,
                                                   b + HEADER_LEN, k->aead) != 0) {
        err = TW_EINPUT;
        goto out;
    }
    err = buf_add(out, plain, (size_t)mlen); /* unchanged on failure */
out:
    if (adp && adp != small)
        free(adp);
    sodium_memzero(plain, cap ? cap : 1);
    free(plain);
    return err;
}

tw_err_t vault_blind_with_key(const vault_t *v, uint32_t key_id, const char *domain,
                              const void *value, size_t len, char out[VAULT_BLIND_HEX + 1])
{
    static const unsigned char zero = 0;
    crypto_generichash_state st;
    unsigned char h[BLIND_LEN];
    const vkey_t *k;

    out[0] = '\0';
    if (!domain || (!value && len))
        return TW_EINPUT;
    k = find_key(v, key_id);
    if (!k)
        return TW_ENOTFOUND;
    /* domain, its NUL, value: a domain cannot contain a NUL, so no pair of
     * (domain, value) produces the bytes of another. */
    crypto_generichash_init(&st, k->blind, sizeof(k->blind), sizeof(h));
    crypto_generichash_update(&st, (const unsigned char *)domain, strlen(domain) + 1);
    crypto_generichash_update(&st, len ? value : &zero, len);
    crypto_generichash_final(&st, h, sizeof(h));
    sodium_bin2hex(out, VAULT_BLIND_HEX + 1, h, sizeof(h));
    sodium_memzero(&st, sizeof(st));
    sodium_memzero(h, sizeof(h));
    return TW_OK;
}

tw_err_t vault_blind(const vault_t *v, const char *domain, const void *value, size_t len,
                     char out[VAULT_BLIND_HEX + 1])
{
    return vault_blind_with_key(v, vault_current_key(v), domain, value, len, out);
}

tw_err_t vault_key_check(const vault_t *v, uint32_t key_id, char out[VAULT_BLIND_HEX + 1])
{
    static const char text[] = "tipwatch key check 1";
    return vault_blind_with_key(v, key_id, "vault.key-check", text, sizeof(text) - 1, out);
}

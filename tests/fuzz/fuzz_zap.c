/* libFuzzer harness: the ZAP handler's decision over arbitrary request
 * frames (zap.h), against a keys registry of three keys (one of which the
 * corpus uses). Input: frames as [length: 1 byte][bytes]. The answer must
 * be well formed: 200 only with a key's name, metadata within bounds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_keys.h"
#include "validate.h"
#include "zap.h"

/* any valid CURVE public key (the one in the CURVE examples of libzmq) */
#define FUZZ_ALICE_KEY "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"

static sb_keys *keys;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    char path[] = "/tmp/sb-fuzz-keys-XXXXXX", err[512];
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f)
        abort();
    /* alice's key is fixed, so that the corpus can present it; the
     * others are fresh */
    sb_keypair w, sv;
    if (sb_keypair_generate(&w, err, sizeof err) || sb_keypair_generate(&sv, err, sizeof err))
        abort();
    fprintf(f,
            "[alice]\nrole = operator\npublic_key = %s\n"
            "[w]\nrole = worker\npublic_key = %s\n"
            "[s]\nrole = service\npublic_key = %s\ntypes = *\n",
            FUZZ_ALICE_KEY, w.public_z85, sv.public_z85);
    fclose(f);
    if (sb_keys_load(path, &keys, err, sizeof err)) {
        fprintf(stderr, "fuzz_zap: %s\n", err);
        abort();
    }
    remove(path);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sb_zap_frame frames[16];
    size_t n = 0, pos = 0;
    while (pos < size && n < 16) {
        size_t len = data[pos++];
        if (len > size - pos)
            len = size - pos;
        frames[n].data = data + pos;
        frames[n].len = len;
        n++;
        pos += len;
    }
    sb_zap_reply r;
    sb_zap_answer(keys, frames, n, &r);
    if (strcmp(r.status, "200") && strcmp(r.status, "400") && strcmp(r.status, "500"))
        abort();
    if (strcmp(r.status, "200") == 0 && !sb_keys_find_name(keys, r.user_id))
        abort();
    if (r.metadata_len > sizeof r.metadata || r.request_id_len > sizeof r.request_id)
        abort();
    /* the UTF-8 check on the same bytes: must not read past them */
    if (n)
        (void)sb_validate_utf8((const char *)frames[0].data, frames[0].len);
    return 0;
}

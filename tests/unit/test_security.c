/* Unit tests of the security modules that need no socket: the keys file
 * and key pairs (sb_keys.h), the ZAP decision (zap.h), who may run what
 * (access.h over the real command table) and the generic message checks
 * (validate.h). */
#include "sb_testkit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "access.h"
#include "handlers.h"
#include "sb_keys.h"
#include "sb_keys_edit.h"
#include "validate.h"
#include "zap.h"

typedef struct {
    char dir[SB_TK_DIR_MAX];
    char path[128];
    sb_keypair op, svc, wrk, rdr, rev;
} fixture;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char err[256];
    assert_non_null(f);
    sb_tk_tmpdir(f->dir, NULL);
    snprintf(f->path, sizeof f->path, "%s/keys.ini", f->dir);
    if (sb_keypair_generate(&f->op, err, sizeof err) || sb_keypair_generate(&f->svc, err, 256) ||
        sb_keypair_generate(&f->wrk, err, 256) || sb_keypair_generate(&f->rdr, err, 256) ||
        sb_keypair_generate(&f->rev, err, 256))
        return -1;
    char text[2048];
    snprintf(text, sizeof text,
             "; who may talk to skillbased\n"
             "[alice]\nrole = operator\npublic_key = %s\n\n"
             "# the market registry reports deregistrations\n"
             "[market-registry]\nrole = service\npublic_key = %s\n"
             "types = unit.deregistered, complaint.verified\n\n"
             "[skillbase-notify]\nrole = worker\npublic_key = %s\ntypes = notify\n\n"
             "[audit-office]\nrole = reader\npublic_key = %s\n\n"
             "[expert-wang]\nrole = reviewer\npublic_key = %s\n",
             f->op.public_z85, f->svc.public_z85, f->wrk.public_z85, f->rdr.public_z85,
             f->rev.public_z85);
    write_file(f->path, text);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    int r = sb_tk_rmtree(f->dir);
    free(f);
    return r;
}

static sb_keys *load_ok(const char *path)
{
    sb_keys *k = NULL;
    char err[1024];
    int r = sb_keys_load(path, &k, err, sizeof err);
    if (r)
        print_error("%s\n", err);
    assert_int_equal(r, 0);
    return k;
}

/* ------------------------------------------------------------ keys file */

static void test_a_keys_file_maps_keys_to_names_roles_and_types(void **state)
{
    fixture *f = *state;
    sb_keys *k = load_ok(f->path);
    uint8_t raw[32];
    assert_int_equal(sb_keys_count(k), 5);
    assert_true(sb_key_z85_decode(f->svc.public_z85, raw));
    const sb_key_entry *e = sb_keys_find_key(k, raw);
    assert_non_null(e);
    assert_string_equal(e->name, "market-registry");
    assert_int_equal(e->role, SB_KEY_ROLE_SERVICE);
    assert_int_equal(e->n_types, 2);
    assert_true(sb_key_allows_type(e, "complaint.verified"));
    assert_false(sb_key_allows_type(e, "safety.major_accident"));
    assert_int_equal(sb_keys_find_name(k, "audit-office")->role, SB_KEY_ROLE_READER);
    assert_null(sb_keys_find_name(k, "mallory"));
    sb_keys_free(&k);
    assert_null(k);
}

static void test_a_bad_keys_file_is_refused_naming_every_problem(void **state)
{
    fixture *f = *state;
    char path[160], err[2048], text[1024];
    snprintf(path, sizeof path, "%s/bad.ini", f->dir);
    snprintf(text, sizeof text,
             "[a]\nrole = boss\npublic_key = %s\n"        /* line 2: role */
             "[b]\nrole = operator\npublic_key = short\n" /* line 6: key */
             "[c]\nrole = reader\npublic_key = %s\n"      /* same key as a */
             "[d]\nrole = operator\npublic_key = %s\ntypes = notify\n"
             "[e]\nrole = operator\ncolour = blue\n"
             "[a]\nrole = reader\n",
             f->op.public_z85, f->op.public_z85, f->wrk.public_z85);
    write_file(path, text);
    sb_keys *k = NULL;
    assert_int_equal(sb_keys_load(path, &k, err, sizeof err), -1);
    assert_null(k);
    const char *want[] = {"bad.ini:2:",
                          "\"boss\"",
                          "bad.ini:6:",
                          "Z85",
                          "the same public key as [a]",
                          "only a service or a worker has types",
                          "colour: unknown setting",
                          "[e]: no public_key",
                          "[a] appears twice"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(err, want[i]))
            fail_msg("expected \"%s\" in: %s", want[i], err);
}

/* 六(五): an operator, reviewer or reader key may be scoped to a district;
 * a service or worker key may not. */
static void test_a_key_may_be_scoped_to_a_district(void **state)
{
    fixture *f = *state;
    char path[160], err[2048], text[1024];
    snprintf(path, sizeof path, "%s/scoped.ini", f->dir);
    snprintf(text, sizeof text, "[xs]\nrole = operator\npublic_key = %s\ndistrict = 萧山区\n",
             f->op.public_z85);
    write_file(path, text);
    sb_keys *k = load_ok(path);
    assert_string_equal(sb_keys_find_name(k, "xs")->district, "萧山区");
    sb_keys_free(&k);
    /* added by keys add --district, next to an unscoped key */
    assert_int_equal(sb_keys_file_add_scoped(path, "xh", SB_KEY_ROLE_READER, f->rdr.public_z85,
                                             NULL, "西湖区", err, sizeof err),
                     0);
    k = load_ok(path);
    assert_string_equal(sb_keys_find_name(k, "xh")->district, "西湖区");
    assert_string_equal(sb_keys_find_name(k, "xs")->district, "萧山区");
    sb_keys_free(&k);
    snprintf(text, sizeof text,
             "[svc]\nrole = service\npublic_key = %s\ndistrict = 萧山区\n"
             "[d]\nrole = operator\npublic_key = %s\ndistrict = two words\n",
             f->svc.public_z85, f->wrk.public_z85);
    write_file(path, text);
    assert_int_equal(sb_keys_load(path, &k, err, sizeof err), -1);
    if (!strstr(err, "only an operator, reviewer or reader key is scoped to a district"))
        fail_msg("expected the service's district refused in: %s", err);
    if (!strstr(err, "\"two words\" is not a district name"))
        fail_msg("expected the bad district named in: %s", err);
}

static void test_keys_add_and_remove_keep_the_rest_of_the_file(void **state)
{
    fixture *f = *state;
    char err[1024];
    sb_keypair kp;
    assert_int_equal(sb_keypair_generate(&kp, err, sizeof err), 0);
    assert_int_equal(sb_keys_file_add(f->path, "bob", SB_KEY_ROLE_OPERATOR, kp.public_z85, NULL,
                                      err, sizeof err),
                     0);
    /* the same name or the same key again: refused, file unchanged */
    assert_int_equal(sb_keys_file_add(f->path, "bob", SB_KEY_ROLE_READER, f->rdr.public_z85, NULL,
                                      err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "already a key named bob"));
    assert_int_equal(sb_keys_file_add(f->path, "carol", SB_KEY_ROLE_READER, kp.public_z85, NULL,
                                      err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "already there as bob"));
    assert_int_equal(sb_keys_file_add(f->path, "bad name!", SB_KEY_ROLE_READER, f->rdr.public_z85,
                                      NULL, err, sizeof err),
                     -1);
    sb_keys *k = load_ok(f->path);
    assert_int_equal(sb_keys_count(k), 6);
    sb_keys_free(&k);
    assert_int_equal(sb_keys_file_remove(f->path, "market-registry", err, sizeof err), 0);
    assert_int_equal(sb_keys_file_remove(f->path, "market-registry", err, sizeof err), -1);
    assert_non_null(strstr(err, "no key named market-registry"));
    k = load_ok(f->path);
    assert_int_equal(sb_keys_count(k), 5);
    assert_null(sb_keys_find_name(k, "market-registry"));
    assert_non_null(sb_keys_find_name(k, "skillbase-notify"));
    sb_keys_free(&k);
    /* the file's own comment stays; the removed key's comment went with it */
    FILE *fp = fopen(f->path, "r");
    char text[4096] = "";
    size_t n = fread(text, 1, sizeof text - 1, fp);
    text[n] = '\0';
    fclose(fp);
    assert_non_null(strstr(text, "; who may talk to skillbased"));
    assert_null(strstr(text, "market registry reports"));
}

static void test_a_key_pair_file_is_private_and_checked(void **state)
{
    fixture *f = *state;
    char path[160], err[512];
    sb_keypair kp, back;
    struct stat st;
    snprintf(path, sizeof path, "%s/me.key", f->dir);
    assert_int_equal(sb_keypair_generate(&kp, err, sizeof err), 0);
    assert_int_equal(sb_keypair_write(path, &kp, "mine", err, sizeof err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(sb_keypair_write(path, &kp, NULL, err, sizeof err),
                     -1); /* never overwritten */
    assert_int_equal(sb_keypair_read(path, true, &back, err, sizeof err), 0);
    assert_string_equal(back.public_z85, kp.public_z85);
    assert_string_equal(back.secret_z85, kp.secret_z85);
    char z85[SB_KEY_Z85_LEN + 1];
    assert_int_equal(sb_key_public_from_arg(path, z85, err, sizeof err), 0);
    assert_string_equal(z85, kp.public_z85);
    assert_int_equal(sb_key_public_from_arg(kp.public_z85, z85, err, sizeof err), 0);
    assert_int_equal(sb_key_public_from_arg("not-a-key", z85, err, sizeof err), -1);
    chmod(path, 0644);
    assert_int_equal(sb_keypair_read(path, true, &back, err, sizeof err), -1);
    assert_non_null(strstr(err, "chmod 600"));
}

/* ------------------------------------------------------------ ZAP */

static void zap(const sb_keys *k, const char *domain, const char *mech, const uint8_t *key,
                sb_zap_reply *r)
{
    sb_zap_frame fr[7] = {
        {(const uint8_t *)"1.0", 3},
        {(const uint8_t *)"42", 2},
        {(const uint8_t *)domain, strlen(domain)},
        {(const uint8_t *)"127.0.0.1", 9},
        {(const uint8_t *)"", 0},
        {(const uint8_t *)mech, strlen(mech)},
        {key, 32},
    };
    sb_zap_answer(k, fr, key ? 7 : 6, r);
}

static void test_zap_admits_listed_keys_by_role_and_endpoint(void **state)
{
    fixture *f = *state;
    sb_keys *k = load_ok(f->path);
    uint8_t op[32], wrk[32], svc[32], rdr[32], stranger[32];
    sb_key_z85_decode(f->op.public_z85, op);
    sb_key_z85_decode(f->wrk.public_z85, wrk);
    sb_key_z85_decode(f->svc.public_z85, svc);
    sb_key_z85_decode(f->rdr.public_z85, rdr);
    memset(stranger, 7, sizeof stranger);
    sb_zap_reply r;
    zap(k, SB_ZAP_DOMAIN_COMMAND, "CURVE", op, &r);
    assert_string_equal(r.status, "200");
    assert_string_equal(r.user_id, "alice");
    assert_int_equal(r.request_id_len, 2);
    /* metadata: [4]Role[0,0,0,8]operator[3]Key[0,0,0,40]<z85> */
    assert_int_equal(r.metadata[0], 4);
    assert_memory_equal(r.metadata + 1, "Role", 4);
    assert_memory_equal(r.metadata + 9, "operator", 8);
    assert_int_equal(r.metadata[17], 3);
    assert_memory_equal(r.metadata + 18, "Key", 3);
    assert_memory_equal(r.metadata + 25, f->op.public_z85, 40);
    zap(k, SB_ZAP_DOMAIN_COMMAND, "CURVE", stranger, &r);
    assert_string_equal(r.status, "400");
    assert_string_equal(r.user_id, "");
    zap(k, SB_ZAP_DOMAIN_WORKER, "CURVE", wrk, &r);
    assert_string_equal(r.status, "200");
    zap(k, SB_ZAP_DOMAIN_WORKER, "CURVE", op, &r); /* operators are no workers */
    assert_string_equal(r.status, "400");
    zap(k, SB_ZAP_DOMAIN_EVENTS, "CURVE", rdr, &r);
    assert_string_equal(r.status, "200");
    zap(k, SB_ZAP_DOMAIN_EVENTS, "CURVE", svc, &r); /* services follow what they feed */
    assert_string_equal(r.status, "200");
    zap(k, "someone.else", "CURVE", op, &r);
    assert_string_equal(r.status, "400");
    zap(k, SB_ZAP_DOMAIN_COMMAND, "NULL", NULL, &r);
    assert_string_equal(r.status, "400");
    zap(NULL, SB_ZAP_DOMAIN_COMMAND, "CURVE", op, &r); /* no keys: nobody */
    assert_string_equal(r.status, "400");
    sb_zap_frame short_req[2] = {{(const uint8_t *)"1.0", 3}, {(const uint8_t *)"x", 1}};
    sb_zap_answer(k, short_req, 2, &r);
    assert_string_equal(r.status, "500");
    sb_keys_free(&k);
}

/* ------------------------------------------------------------ access */

static const char *check(unsigned role, const char *name, Skillbase__Request *req, sb_arena *a)
{
    sb_caller c = {.role = role, .name = name};
    static char *types[] = {"unit.deregistered"};
    if (role == SB_ROLE_SERVICE) {
        c.types = types;
        c.n_types = 1;
    }
    const sb_command *cmd = sb_command_find(req->command_case);
    assert_non_null(cmd);
    return sb_access_check(a, &c, cmd, req);
}

static void test_roles_limit_what_each_caller_may_run(void **state)
{
    (void)state;
    sb_arena a;
    sb_arena_init(&a, 0);
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Revoke rv = SKILLBASE__REVOKE__INIT;
    Skillbase__Transition tr = SKILLBASE__TRANSITION__INIT;
    Skillbase__Evaluate ev = SKILLBASE__EVALUATE__INIT;
    Skillbase__Get get = SKILLBASE__GET__INIT;
    Skillbase__Ingest in = SKILLBASE__INGEST__INIT;

    req.command_case = SKILLBASE__REQUEST__COMMAND_REVOKE;
    req.revoke = &rv;
    assert_null(check(SB_ROLE_OPERATOR, "alice", &req, &a));
    assert_non_null(strstr(check(SB_ROLE_REVIEWER, "wang", &req, &a), "reviewer"));
    assert_non_null(check(SB_ROLE_READER, "audit", &req, &a));
    assert_non_null(check(SB_ROLE_SERVICE, "market-registry", &req, &a));

    req.command_case = SKILLBASE__REQUEST__COMMAND_EVALUATE;
    req.evaluate = &ev;
    assert_null(check(SB_ROLE_REVIEWER, "wang", &req, &a));
    assert_non_null(check(SB_ROLE_READER, "audit", &req, &a));

    req.command_case = SKILLBASE__REQUEST__COMMAND_WITHDRAW;
    req.withdraw = &tr;
    assert_non_null(check(SB_ROLE_SERVICE, "market-registry", &req, &a));
    assert_non_null(check(SB_ROLE_WORKER, "skillbase-notify", &req, &a));

    req.command_case = SKILLBASE__REQUEST__COMMAND_SHOW;
    req.show = &get;
    assert_null(check(SB_ROLE_READER, "audit", &req, &a));
    assert_non_null(check(SB_ROLE_SERVICE, "market-registry", &req, &a));
    assert_non_null(check(0, "gone", &req, &a));

    req.command_case = SKILLBASE__REQUEST__COMMAND_INGEST;
    req.ingest = &in;
    in.source = (char *)"market-registry";
    in.type = (char *)"unit.deregistered";
    assert_null(check(SB_ROLE_SERVICE, "market-registry", &req, &a));
    in.type = (char *)"safety.major_accident";
    assert_non_null(strstr(check(SB_ROLE_SERVICE, "market-registry", &req, &a), "types"));
    in.type = (char *)"unit.deregistered";
    assert_non_null(check(SB_ROLE_READER, "audit", &req, &a));
    /* the source is the key's name, whoever holds the key: a service and an
     * operator entering a fact by hand alike; over ipc what is sent */
    sb_caller svc = {.role = SB_ROLE_SERVICE, .name = "market-registry"};
    sb_caller op = {.role = SB_ROLE_OPERATOR, .name = "alice"};
    sb_caller local = {.role = SB_ROLE_OPERATOR};
    in.source = (char *)"someone-else";
    assert_non_null(strstr(sb_access_bind_source(&a, &svc, &req), "source must be"));
    in.source = (char *)"market-registry";
    assert_non_null(strstr(sb_access_bind_source(&a, &op, &req), "\"alice\""));
    assert_null(sb_access_bind_source(&a, &svc, &req));
    assert_null(sb_access_bind_source(&a, &local, &req));
    in.source = (char *)"";
    assert_null(sb_access_bind_source(&a, &op, &req));
    assert_string_equal(in.source, "alice");

    /* the actor: the key's name when authenticated, else what is sent */
    const char *why;
    req.actor = (char *)"mallory";
    sb_caller auth = {.role = SB_ROLE_OPERATOR, .name = "alice"}, ipc = {.role = SB_ROLE_OPERATOR};
    assert_string_equal(sb_access_actor(&a, &auth, &req, &why), "alice");
    assert_string_equal(sb_access_actor(&a, &ipc, &req, &why), "mallory");
    assert_string_equal(sb_access_scope_key(&a, &auth, "k1"), "alice/k1");
    assert_string_equal(sb_access_scope_key(&a, &ipc, "k1"), "k1");
    sb_arena_destroy(&a);
}

/* ------------------------------------------------------------ validate */

static void test_utf8_is_checked_strictly(void **state)
{
    (void)state;
    assert_true(sb_validate_utf8("杭州 ok", strlen("杭州 ok")));
    assert_true(sb_validate_utf8("\xf0\x9f\x98\x80", 4));  /* U+1F600 */
    assert_false(sb_validate_utf8("\xc0\xaf", 2));         /* overlong '/' */
    assert_false(sb_validate_utf8("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(sb_validate_utf8("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(sb_validate_utf8("\xe6\x9d", 2));         /* truncated */
    assert_false(sb_validate_utf8("a\0b", 3));             /* NUL */
    assert_false(sb_validate_utf8("\xff", 1));
}

static void test_every_string_and_enum_of_a_request_is_checked(void **state)
{
    (void)state;
    sb_arena a;
    sb_arena_init(&a, 0);
    Skillbase__Request req = SKILLBASE__REQUEST__INIT;
    Skillbase__Apply ap = SKILLBASE__APPLY__INIT;
    Skillbase__ApplicationForm form = SKILLBASE__APPLICATION_FORM__INIT;
    Skillbase__Unit unit = SKILLBASE__UNIT__INIT;
    Skillbase__Project p1 = SKILLBASE__PROJECT__INIT, p2 = SKILLBASE__PROJECT__INIT;
    Skillbase__Project *projects[] = {&p1, &p2};
    req.command_case = SKILLBASE__REQUEST__COMMAND_APPLY;
    req.apply = &ap;
    ap.form = &form;
    form.unit = &unit;
    form.projects = projects;
    form.n_projects = 2;
    unit.name = (char *)"杭州某公司";
    p1.occupation = (char *)"电工";
    p2.occupation = (char *)"ok";
    assert_null(sb_validate_message(&a, &req.base));
    p2.level = (char *)"\xc0\xaf";
    const char *why = sb_validate_message(&a, &req.base);
    assert_non_null(why);
    assert_string_equal(why, "apply.form.projects.level: not valid UTF-8 text");
    p2.level = (char *)"";
    unit.type = 99;
    why = sb_validate_message(&a, &req.base);
    assert_non_null(why);
    assert_non_null(strstr(why, "apply.form.unit.type: 99"));
    unit.type = SKILLBASE__UNIT_TYPE__ENTERPRISE;
    /* only the oneof member that is set counts */
    req.request_id = (char *)"ok";
    assert_null(sb_validate_message(&a, &req.base));
    sb_arena_destroy(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_keys_file_maps_keys_to_names_roles_and_types, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_bad_keys_file_is_refused_naming_every_problem, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_key_may_be_scoped_to_a_district, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_add_and_remove_keep_the_rest_of_the_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_key_pair_file_is_private_and_checked, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_zap_admits_listed_keys_by_role_and_endpoint, setup,
                                        teardown),
        cmocka_unit_test(test_roles_limit_what_each_caller_may_run),
        cmocka_unit_test(test_utf8_is_checked_strictly),
        cmocka_unit_test(test_every_string_and_enum_of_a_request_is_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

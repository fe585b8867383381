/*
 * gen.c — the synthetic event generator behind gen.h.
 *
 * Vocabularies (pages, users, referrers...) are built once per generator from
 * fixed word lists, independent of the seed, so the same page id always has the
 * same title; the seed drives which values each event picks. Picks use Zipf
 * distributions (s = 1.1) through precomputed cumulative tables.
 */
#include "gen/gen.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/hash.h"
#include "base/numfmt.h"
#include "base/time.h"

typedef struct zipf {
    size_t n;
    double *cdf; /* n cumulative probabilities, last = 1 */
} zipf;

typedef struct vocab {
    size_t n;
    char **v;
    zipf z;
} vocab;

struct vrv_gen {
    vrv_gen_profile profile;
    uint64_t s[4]; /* xoshiro256** state */
    vocab pages, users, comments, referrers, urls;
};

static const char *adjectives[] = {
    "Ancient", "Northern", "Royal", "Modern", "Great", "Little", "Eastern", "Western", "Grand",
    "Lost", "Free", "United", "Imperial", "Southern", "Upper", "Lower", "New", "Old", "Central",
    "Golden", "Silent", "Iron", "Red", "Blue", "Black", "White", "Green", "Second", "First", "Last"};
static const char *nouns[] = {
    "River", "Empire", "Railway", "Cathedral", "Festival", "Election", "Treaty", "Mountain",
    "University", "Bridge", "Island", "Revolution", "Symphony", "Airport", "Canal", "Dynasty",
    "League", "Museum", "Parliament", "Expedition", "Battle", "Valley", "Harbour", "Castle",
    "Lighthouse", "Observatory", "Republic", "Forest", "Desert", "Coast", "Album", "Novel"};
static const char *places[] = {
    "Oslo", "Lisbon", "Kyoto", "Lima", "Nairobi", "Quebec", "Tbilisi", "Perth", "Seville",
    "Krakow", "Dakar", "Hanoi", "Bergen", "Cusco", "Tallinn", "Porto", "Busan", "Accra", "Cork",
    "Utrecht", "Malmo", "Gdansk", "Leon", "Bari", "Nice", "Graz", "Turku", "Split", "Ghent"};
static const char *user_syllables[] = {"ka", "lo", "mi", "ra", "to", "ne", "sa", "vi", "do",
                                       "re", "fa", "zu", "be", "xo", "qu", "ji", "mo", "wy"};
static const char *comment_words[] = {
    "fix", "typo", "added", "citation", "needed", "update", "infobox", "reverted", "edit", "by",
    "cleanup", "references", "expand", "section", "copyedit", "link", "rm", "unsourced", "claim",
    "category", "image", "caption", "minor", "grammar", "wikify", "stub", "merge", "from", "per",
    "talk", "consensus", "formatting", "dates", "source"};

typedef struct channel {
    const char *name;
    double weight;
} channel;

static const channel channels[] = {
    {"#en.wikipedia", 40}, {"#de.wikipedia", 10}, {"#fr.wikipedia", 8}, {"#ja.wikipedia", 6},
    {"#ru.wikipedia", 5},  {"#es.wikipedia", 5},  {"#it.wikipedia", 4}, {"#vi.wikipedia", 4},
    {"#zh.wikipedia", 3},  {"#pt.wikipedia", 3},  {"#nl.wikipedia", 2}, {"#sv.wikipedia", 2},
    {"#pl.wikipedia", 2},  {"#ko.wikipedia", 2},  {"#ar.wikipedia", 1}, {"#he.wikipedia", 1}};

static const char *namespaces[] = {"Main", "Main", "Main", "Main", "Main", "Main",
                                   "Talk", "User", "User talk", "Wikipedia", "Template",
                                   "Category", "File"};

typedef struct geo {
    const char *iso, *country, *region_iso, *region, *city;
    int metro; /* 0 = null */
} geo;

static const geo geos[] = {
    {"US", "United States", "CA", "California", "San Francisco", 807},
    {"US", "United States", "NY", "New York", "New York", 501},
    {"US", "United States", "TX", "Texas", "Austin", 635},
    {"GB", "United Kingdom", "ENG", "England", "London", 0},
    {"DE", "Germany", "BE", "Berlin", "Berlin", 0},
    {"FR", "France", "IDF", "Ile-de-France", "Paris", 0},
    {"JP", "Japan", "13", "Tokyo", "Tokyo", 0},
    {"IN", "India", "MH", "Maharashtra", "Mumbai", 0},
    {"BR", "Brazil", "SP", "Sao Paulo", "Sao Paulo", 0},
    {"AU", "Australia", "NSW", "New South Wales", "Sydney", 0},
    {"CA", "Canada", "ON", "Ontario", "Toronto", 0},
    {"RU", "Russia", "MOW", "Moscow", "Moscow", 0},
    {"VN", "Vietnam", "SG", "Ho Chi Minh", "Ho Chi Minh City", 0},
    {"MX", "Mexico", "CMX", "Mexico City", "Mexico City", 0},
    {"ES", "Spain", "MD", "Madrid", "Madrid", 0},
    {"IT", "Italy", "RM", "Lazio", "Rome", 0},
    {"KR", "Republic of Korea", "11", "Seoul", "Seoul", 0},
    {"NL", "Netherlands", "NH", "North Holland", "Amsterdam", 0},
    {"SE", "Sweden", "AB", "Stockholm", "Stockholm", 0},
    {"PL", "Poland", "MZ", "Mazovia", "Warsaw", 0},
};

static const char *tags[] = {"mobile edit", "visualeditor", "mobile web edit", "android app edit",
                             "ios app edit", "possible vandalism", "blanking", "new redirect"};

static const char *countries2[] = {"US", "US", "US", "GB", "DE", "FR", "IN", "BR", "JP", "CA",
                                   "AU", "NL", "ES", "IT", "SE", "PL", "MX", "KR", "SG", "ZA"};
static const char *devices[] = {"mobile", "mobile", "mobile", "desktop", "desktop", "tablet"};
static const char *browsers[] = {"Chrome", "Chrome", "Chrome", "Safari", "Safari", "Firefox",
                                 "Edge", "Samsung Internet", "Opera"};
static const char *url_sections[] = {"products", "blog", "docs", "pricing", "account", "cart",
                                     "search", "support", "about", "careers", "news", "help"};
static const char *ref_sites[] = {"google.com", "bing.com", "duckduckgo.com", "twitter.com",
                                  "facebook.com", "linkedin.com", "reddit.com", "news.ycombinator.com",
                                  "github.com", "youtube.com", "(direct)", "newsletter"};

/* ---- random numbers: xoshiro256** seeded through splitmix64 ---- */

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t next_u64(vrv_gen *g)
{
    uint64_t *s = g->s;
    uint64_t r = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

double vrv_gen_uniform(vrv_gen *g)
{
    return (double)(next_u64(g) >> 11) * 0x1.0p-53;
}

static size_t below(vrv_gen *g, size_t n)
{
    return (size_t)(vrv_gen_uniform(g) * (double)n);
}

#define PICK(g, arr) (arr)[below((g), VRV_ARRAY_LEN(arr))]

static void zipf_init(zipf *z, size_t n, double s)
{
    z->n = n;
    z->cdf = vrv_malloc(n * sizeof *z->cdf);
    double sum = 0;
    for (size_t i = 0; i < n; i++) sum += 1.0 / pow((double)(i + 1), s);
    double acc = 0;
    for (size_t i = 0; i < n; i++) {
        acc += 1.0 / pow((double)(i + 1), s) / sum;
        z->cdf[i] = acc;
    }
    z->cdf[n - 1] = 1.0;
}

static size_t zipf_pick(vrv_gen *g, const zipf *z)
{
    double u = vrv_gen_uniform(g);
    size_t lo = 0, hi = z->n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (z->cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void vocab_init(vocab *v, size_t n)
{
    v->n = n;
    v->v = vrv_calloc(n, sizeof *v->v);
    zipf_init(&v->z, n, 1.1);
}

static void vocab_free(vocab *v)
{
    for (size_t i = 0; i < v->n; i++) free(v->v[i]);
    free(v->v);
    free(v->z.cdf);
}

static const char *vocab_pick(vrv_gen *g, const vocab *v)
{
    return v->v[zipf_pick(g, &v->z)];
}

/* Vocabulary entries come from a fixed-seed source so they do not depend on
 * the event seed. */
static void build_vocabs(vrv_gen *g)
{
    uint64_t x = 0x5eed;
    char tmp[256];
    vocab_init(&g->pages, 5000);
    for (size_t i = 0; i < g->pages.n; i++) {
        uint64_t r = splitmix(&x);
        const char *a = adjectives[r % VRV_ARRAY_LEN(adjectives)];
        const char *n = nouns[(r >> 8) % VRV_ARRAY_LEN(nouns)];
        const char *p = places[(r >> 16) % VRV_ARRAY_LEN(places)];
        switch ((r >> 24) % 5) {
        case 0: snprintf(tmp, sizeof tmp, "%s %s of %s", a, n, p); break;
        case 1: snprintf(tmp, sizeof tmp, "%s %s", p, n); break;
        case 2: snprintf(tmp, sizeof tmp, "List of %s %ss", a, n); break;
        case 3: snprintf(tmp, sizeof tmp, "%s %s (%u)", a, n, (unsigned)(1800 + (r >> 32) % 225)); break;
        default: snprintf(tmp, sizeof tmp, "%s %s %s", p, a, n); break;
        }
        /* distinct titles: suffix the index when a combination repeats */
        if (i >= 2000) snprintf(tmp + strlen(tmp), sizeof tmp - strlen(tmp), " %zu", i);
        g->pages.v[i] = vrv_strdup(tmp);
    }
    vocab_init(&g->users, 2000);
    for (size_t i = 0; i < g->users.n; i++) {
        uint64_t r = splitmix(&x);
        int len = 2 + (int)(r % 3);
        size_t o = 0;
        for (int k = 0; k < len; k++) {
            const char *s = user_syllables[(r >> (8 + 5 * k)) % VRV_ARRAY_LEN(user_syllables)];
            if (k == 0) {
                tmp[o++] = (char)(s[0] - 32);
                tmp[o++] = s[1];
            } else {
                memcpy(tmp + o, s, 2);
                o += 2;
            }
        }
        snprintf(tmp + o, sizeof tmp - o, (r >> 40) % 3 == 0 ? "Bot" : "%u",
                 (unsigned)((r >> 44) % 1000));
        g->users.v[i] = vrv_strdup(tmp);
    }
    vocab_init(&g->comments, 300);
    for (size_t i = 0; i < g->comments.n; i++) {
        uint64_t r = splitmix(&x);
        size_t o = 0;
        int words = 1 + (int)(r % 6);
        for (int k = 0; k < words; k++) {
            const char *w = comment_words[(r >> (6 + 5 * k)) % VRV_ARRAY_LEN(comment_words)];
            o += (size_t)snprintf(tmp + o, sizeof tmp - o, k ? " %s" : "%s", w);
        }
        g->comments.v[i] = vrv_strdup(tmp);
    }
    vocab_init(&g->urls, 5000);
    for (size_t i = 0; i < g->urls.n; i++) {
        uint64_t r = splitmix(&x);
        const char *sec = url_sections[r % VRV_ARRAY_LEN(url_sections)];
        const char *n = nouns[(r >> 8) % VRV_ARRAY_LEN(nouns)];
        snprintf(tmp, sizeof tmp, "/%s/%c%s-%zu", sec, n[0] + 32, n + 1, i);
        g->urls.v[i] = vrv_strdup(tmp);
    }
    vocab_init(&g->referrers, VRV_ARRAY_LEN(ref_sites));
    for (size_t i = 0; i < g->referrers.n; i++) g->referrers.v[i] = vrv_strdup(ref_sites[i]);
}

bool vrv_gen_profile_parse(const char *name, vrv_gen_profile *out)
{
    if (strcmp(name, "wikipedia") == 0) {
        *out = VRV_GEN_WIKIPEDIA;
        return true;
    }
    if (strcmp(name, "clicks") == 0) {
        *out = VRV_GEN_CLICKS;
        return true;
    }
    return false;
}

vrv_gen *vrv_gen_new(vrv_gen_profile profile, uint64_t seed)
{
    vrv_gen *g = vrv_calloc(1, sizeof *g);
    g->profile = profile;
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) g->s[i] = splitmix(&x);
    build_vocabs(g);
    return g;
}

void vrv_gen_free(vrv_gen *g)
{
    if (!g) return;
    vocab_free(&g->pages);
    vocab_free(&g->users);
    vocab_free(&g->comments);
    vocab_free(&g->urls);
    vocab_free(&g->referrers);
    free(g);
}

/* ---- JSON emission: the vocabularies hold no characters needing escapes ---- */

static inline void put_lit(vrv_buf *b, const char *s, size_t n)
{
    vrv_buf_append(b, s, n);
}
#define PUT(b, lit) put_lit((b), (lit), sizeof(lit) - 1)

static inline void put_str(vrv_buf *b, const char *s)
{
    vrv_buf_putc(b, '"');
    vrv_buf_puts(b, s);
    vrv_buf_putc(b, '"');
}

static inline void put_long(vrv_buf *b, int64_t v)
{
    char tmp[VRV_NUMFMT_MAX];
    vrv_buf_append(b, tmp, vrv_fmt_long(v, tmp));
}

static void put_time(vrv_buf *b, vrv_ms t)
{
    char tmp[VRV_TIME_STR_MAX];
    size_t n = vrv_time_format(t, tmp);
    vrv_buf_putc(b, '"');
    vrv_buf_append(b, tmp, n);
    vrv_buf_putc(b, '"');
}

static void gen_wikipedia(vrv_gen *g, vrv_ms t, vrv_buf *b)
{
    double w = vrv_gen_uniform(g) * 98.0, acc = 0;
    const char *chan = channels[0].name;
    for (size_t i = 0; i < VRV_ARRAY_LEN(channels); i++) {
        acc += channels[i].weight;
        if (w < acc) {
            chan = channels[i].name;
            break;
        }
    }
    bool anon = vrv_gen_uniform(g) < 0.2;
    const char *user = anon ? NULL : vocab_pick(g, &g->users);
    size_t ulen = user ? strlen(user) : 0;
    bool robot = ulen > 3 && strcmp(user + ulen - 3, "Bot") == 0;
    bool minor = vrv_gen_uniform(g) < 0.3;
    bool is_new = vrv_gen_uniform(g) < 0.05;
    bool unpatrolled = vrv_gen_uniform(g) < 0.2;
    int64_t added = 0, deleted = 0;
    double r = vrv_gen_uniform(g);
    if (r < 0.7) {
        added = (int64_t)(pow(vrv_gen_uniform(g), 3) * 3000);
    } else if (r < 0.95) {
        deleted = (int64_t)(pow(vrv_gen_uniform(g), 3) * 2000);
    } else {
        added = (int64_t)(vrv_gen_uniform(g) * 500);
        deleted = (int64_t)(vrv_gen_uniform(g) * 500);
    }
    if (is_new) added += 500 + (int64_t)(vrv_gen_uniform(g) * 20000);

    PUT(b, "{\"time\":");
    put_time(b, t);
    PUT(b, ",\"channel\":");
    put_str(b, chan);
    const geo *where = anon ? &geos[below(g, VRV_ARRAY_LEN(geos))] : NULL;
    PUT(b, ",\"cityName\":");
    if (where) put_str(b, where->city); else PUT(b, "null");
    PUT(b, ",\"comment\":");
    put_str(b, vocab_pick(g, &g->comments));
    PUT(b, ",\"countryIsoCode\":");
    if (where) put_str(b, where->iso); else PUT(b, "null");
    PUT(b, ",\"countryName\":");
    if (where) put_str(b, where->country); else PUT(b, "null");
    PUT(b, ",\"isAnonymous\":");
    if (anon) PUT(b, "true"); else PUT(b, "false");
    PUT(b, ",\"isMinor\":");
    if (minor) PUT(b, "true"); else PUT(b, "false");
    PUT(b, ",\"isNew\":");
    if (is_new) PUT(b, "true"); else PUT(b, "false");
    PUT(b, ",\"isRobot\":");
    if (robot) PUT(b, "true"); else PUT(b, "false");
    PUT(b, ",\"isUnpatrolled\":");
    if (unpatrolled) PUT(b, "true"); else PUT(b, "false");
    PUT(b, ",\"metroCode\":");
    if (where && where->metro) put_long(b, where->metro); else PUT(b, "null");
    PUT(b, ",\"namespace\":");
    put_str(b, PICK(g, namespaces));
    PUT(b, ",\"page\":");
    put_str(b, vocab_pick(g, &g->pages));
    PUT(b, ",\"regionIsoCode\":");
    if (where) put_str(b, where->region_iso); else PUT(b, "null");
    PUT(b, ",\"regionName\":");
    if (where) put_str(b, where->region); else PUT(b, "null");
    PUT(b, ",\"user\":");
    if (anon) {
        uint64_t ip = next_u64(g);
        char tmp[40];
        snprintf(tmp, sizeof tmp, "%u.%u.%u.%u", (unsigned)(ip & 0xff) | 1,
                 (unsigned)(ip >> 8 & 0xff), (unsigned)(ip >> 16 & 0xff),
                 (unsigned)(ip >> 24 & 0xff));
        put_str(b, tmp);
    } else {
        put_str(b, user);
    }
    PUT(b, ",\"tags\":[");
    int ntags = vrv_gen_uniform(g) < 0.6 ? 0 : 1 + (int)below(g, 3);
    size_t first = below(g, VRV_ARRAY_LEN(tags));
    for (int i = 0; i < ntags; i++) {
        if (i) vrv_buf_putc(b, ',');
        put_str(b, tags[(first + (size_t)i * 3) % VRV_ARRAY_LEN(tags)]);
    }
    PUT(b, "],\"delta\":");
    put_long(b, added - deleted);
    PUT(b, ",\"added\":");
    put_long(b, added);
    PUT(b, ",\"deleted\":");
    put_long(b, deleted);
    vrv_buf_putc(b, '}');
}

static void gen_clicks(vrv_gen *g, vrv_ms t, vrv_buf *b)
{
    size_t user = zipf_pick(g, &g->users.z);
    /* a session is a user's half hour */
    uint64_t sess = vrv_hash_u64((uint64_t)user * 1000003u + (uint64_t)(t / 1800000));
    char tmp[64];
    PUT(b, "{\"timestamp\":");
    put_time(b, t);
    snprintf(tmp, sizeof tmp, "u%06zu", user);
    PUT(b, ",\"user\":");
    put_str(b, tmp);
    snprintf(tmp, sizeof tmp, "%08llx", (unsigned long long)(sess & 0xffffffffULL));
    PUT(b, ",\"session\":");
    put_str(b, tmp);
    PUT(b, ",\"page\":");
    put_str(b, vocab_pick(g, &g->urls));
    PUT(b, ",\"referrer\":");
    put_str(b, vocab_pick(g, &g->referrers));
    PUT(b, ",\"country\":");
    put_str(b, PICK(g, countries2));
    PUT(b, ",\"device\":");
    put_str(b, PICK(g, devices));
    PUT(b, ",\"browser\":");
    put_str(b, PICK(g, browsers));
    double r = vrv_gen_uniform(g);
    int status = r < 0.93 ? 200 : r < 0.96 ? 304 : r < 0.985 ? 404 : 500;
    PUT(b, ",\"status\":");
    put_long(b, status);
    PUT(b, ",\"latency_ms\":");
    put_long(b, 5 + (int64_t)(pow(vrv_gen_uniform(g), 4) * 2000));
    PUT(b, ",\"bytes\":");
    put_long(b, 200 + (int64_t)(vrv_gen_uniform(g) * 50000));
    vrv_buf_putc(b, '}');
}

void vrv_gen_event(vrv_gen *g, vrv_ms t, vrv_buf *out)
{
    if (g->profile == VRV_GEN_WIKIPEDIA)
        gen_wikipedia(g, t, out);
    else
        gen_clicks(g, t, out);
}

/*
 * synth.c - deterministic synthetic registers: a background population with
 * the shape of Armenia's work-permit flow, planted trafficking schemes,
 * benign look-alikes, data-quality noise and a counted set of bad rows.
 *
 * Shape: a pool of employers and intermediaries is built first (one
 * employer_t per ~11 applications, heavy-tailed sizes); then a shuffled list
 * of units is generated one at a time - a background employer, a planted
 * scheme or a look-alike - each with an exact quota of permit rows. A unit
 * writes its permit rows, the border crossings of its workers, its
 * inspections, reports, outcome labels and truth rows straight to the
 * output files. Files are written under temporary names and renamed when
 * everything succeeded. See docs/internals/synth.md.
 *
 * Invariants:
 *   1. Every output byte is a function of the options alone: xoshiro256**
 *      streams seeded with splitmix64 from (seed, unit number); integer and
 *      IEEE double arithmetic only (no libm, no locale, no clock, no rand()).
 *   2. No field ever holds CR or LF, so the physical line of a record is its
 *      row number + 1 (the header is line 1); write_rec() enforces it.
 *   3. Ids are unique by construction: application and crossing ids carry
 *      their day and a per-day counter, permit numbers, inspection and report
 *      ids a per-year counter; TINs, document numbers and phone numbers come
 *      from counters through keyed Feistel permutations (perm_t).
 *   4. A bad row breaks exactly one importer rule in one column and keeps a
 *      unique id; planted and look-alike rows are never made bad.
 *   5. Memory: the employer, intermediary and unit pools (O(applications/11))
 *      plus fixed buffers; nothing is allocated per row.
 *   6. No expression holds two random draws whose order C leaves open
 *      (function arguments, operands of + - *): gcc and clang evaluate them
 *      in different orders, and the bytes must not depend on the compiler.
 *      Draws are hoisted into statements; cross() draws its defaults itself.
 * Errors are sticky: the first failure is kept in ctx->err, later writes are
 * skipped, and the unit loop stops. Single-threaded; no global state.
 */
#include "synth/synth.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#define MAX_APPLICATIONS 100000000ULL /* ids keep their shape up to here */
#define IOBUF_SIZE ((size_t)1 << 20)
#define LINE_CAP 16384
#define REC_POOL 6000
#define REC_MAXF 36
#define TXT 192 /* buffer for one name, address, phone, title */

/* ---- deterministic random numbers ------------------------------------- */

typedef struct {
    uint64_t s[4];
} rng_t;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void rng_init(rng_t *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL) ^ 0x5851f42d4c957f2dULL;
    int i;
    for (i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_u64(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl64(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return res;
}

/* Uniform in [0, n); 0 when n == 0 (Lemire's method, unbiased). */
static uint32_t rng_below(rng_t *r, uint32_t n)
{
    uint64_t m;
    uint32_t l;
    if (n == 0)
        return 0;
    m = (rng_u64(r) >> 32) * (uint64_t)n;
    l = (uint32_t)m;
    if (l < n) {
        uint32_t t = (uint32_t)(0u - n) % n;
        while (l < t) {
            m = (rng_u64(r) >> 32) * (uint64_t)n;
            l = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

/* Uniform integer in [lo, hi]. */
static int rng_int(rng_t *r, int lo, int hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int)rng_below(r, (uint32_t)(hi - lo + 1));
}

static double rng_unit(rng_t *r)
{
    return (double)(rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

static int rng_chance(rng_t *r, double p)
{
    return rng_unit(r) < p;
}

/* Approximately standard normal (Irwin-Hall of 12 uniforms): no libm. */
static double rng_normal(rng_t *r)
{
    double s = 0;
    int i;
    for (i = 0; i < 12; i++)
        s += rng_unit(r);
    return s - 6.0;
}

/* Index drawn with integer weights w[0..n). */
static uint32_t pick_w(rng_t *r, const uint16_t *w, size_t n)
{
    uint32_t total = 0, x;
    size_t i;
    for (i = 0; i < n; i++)
        total += w[i];
    x = rng_below(r, total);
    for (i = 0; i < n; i++) {
        if (x < w[i])
            return (uint32_t)i;
        x -= w[i];
    }
    return 0;
}

/* exp() and log() from + - * / only, so results do not depend on libm. */
static double det_exp(double x)
{
    const double ln2 = 0.69314718055994530942;
    double t = x / ln2, y, term, sum;
    int k = (int)(t < 0 ? t - 0.5 : t + 0.5), i;
    if (x > 700)
        x = 700;
    y = x - (double)k * ln2;
    term = 1.0;
    sum = 1.0;
    for (i = 1; i < 24; i++) {
        term *= y / (double)i;
        sum += term;
    }
    for (; k > 0; k--)
        sum *= 2.0;
    for (; k < 0; k++)
        sum *= 0.5;
    return sum;
}

static double det_log(double x)
{
    const double ln2 = 0.69314718055994530942;
    double e = 0, z, z2, term, sum;
    int i;
    if (x <= 0)
        return -745.0;
    while (x >= 2.0) {
        x *= 0.5;
        e += 1;
    }
    while (x < 1.0) {
        x *= 2.0;
        e -= 1;
    }
    z = (x - 1.0) / (x + 1.0);
    z2 = z * z;
    term = z;
    sum = 0;
    for (i = 1; i < 60; i += 2) {
        sum += term / (double)i;
        term *= z2;
    }
    return 2.0 * sum + e * ln2;
}

/* ---- calendar ---------------------------------------------------------- */

static int32_t days_from_civil(int y, int m, int d)
{
    int era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int32_t)(era * 146097 + doe - 719468);
}

static void civil_from_days(int32_t z0, int *y, int *m, int *d)
{
    int z = z0 + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int year_of(int32_t day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    return y;
}

/* 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday). */
static int weekday(int32_t day)
{
    int w = (int)((day + 4) % 7);
    return w < 0 ? w + 7 : w;
}

static int32_t add_months(int32_t day, int n)
{
    int y, m, d, mm;
    civil_from_days(day, &y, &m, &d);
    mm = (m - 1) + n;
    y += mm >= 0 ? mm / 12 : (mm - 11) / 12;
    mm = ((mm % 12) + 12) % 12;
    if (d > 28)
        d = 28;
    return days_from_civil(y, mm + 1, d);
}

/* ---- small bounded string builder --------------------------------------
 * A piece that does not fit is dropped whole (never cut inside a UTF-8
 * sequence) and `over` is set. */

typedef struct {
    char *p;
    size_t n, cap;
    int over;
} sb_t;

static void sb_init(sb_t *s, char *buf, size_t cap)
{
    s->p = buf;
    s->n = 0;
    s->cap = cap;
    s->over = 0;
    buf[0] = '\0';
}

static void sb_add(sb_t *s, const char *x, size_t len)
{
    if (s->n + len >= s->cap) {
        s->over = 1;
        return;
    }
    memcpy(s->p + s->n, x, len);
    s->n += len;
    s->p[s->n] = '\0';
}

static void sb_adds(sb_t *s, const char *x)
{
    sb_add(s, x, strlen(x));
}

static void sb_addc(sb_t *s, char c)
{
    sb_add(s, &c, 1);
}

/* Decimal, zero-padded to `width` digits (0: no padding). */
static void sb_addu(sb_t *s, uint64_t v, int width)
{
    char tmp[24];
    int n = 0, i;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    while (n < width && n < 20)
        tmp[n++] = '0';
    for (i = 0; i < n / 2; i++) {
        char t = tmp[i];
        tmp[i] = tmp[n - 1 - i];
        tmp[n - 1 - i] = t;
    }
    sb_add(s, tmp, (size_t)n);
}

static void sb_date(sb_t *s, int32_t day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    sb_addu(s, (uint64_t)y, 4);
    sb_addc(s, '-');
    sb_addu(s, (uint64_t)m, 2);
    sb_addc(s, '-');
    sb_addu(s, (uint64_t)d, 2);
}

enum { TZ_NONE, TZ_PLUS4, TZ_UTC };

/* Local Armenian time `day` + `sec`, written with the chosen zone form. */
static void sb_ts(sb_t *s, int32_t day, int32_t sec, int zone)
{
    if (zone == TZ_UTC) {
        sec -= 4 * 3600;
        if (sec < 0) {
            sec += 86400;
            day--;
        }
    }
    sb_date(s, day);
    sb_addc(s, 'T');
    sb_addu(s, (uint64_t)(sec / 3600), 2);
    sb_addc(s, ':');
    sb_addu(s, (uint64_t)(sec / 60 % 60), 2);
    sb_addc(s, ':');
    sb_addu(s, (uint64_t)(sec % 60), 2);
    if (zone == TZ_PLUS4)
        sb_adds(s, "+04:00");
    else if (zone == TZ_UTC)
        sb_addc(s, 'Z');
}

/* The k-th (mod count) '|'-separated part of s[0..len). */
static void part_of(const char *s, size_t len, unsigned k, const char **p, size_t *n)
{
    unsigned count = 1, i;
    size_t j, start = 0;
    for (j = 0; j < len; j++)
        if (s[j] == '|')
            count++;
    k %= count;
    for (i = 0, j = 0; j <= len; j++) {
        if (j == len || s[j] == '|') {
            if (i == k) {
                *p = s + start;
                *n = j - start;
                return;
            }
            i++;
            start = j + 1;
        }
    }
    *p = s;
    *n = 0;
}

static unsigned count_parts(const char *s, size_t len)
{
    unsigned count = 1;
    size_t j;
    for (j = 0; j < len; j++)
        if (s[j] == '|')
            count++;
    return count;
}

/* ---- name tables --------------------------------------------------------
 * An entry is "Latin|variant|...=Cyrillic=Armenian"; the Cyrillic and
 * Armenian parts are optional ("Lat==Arm" has Armenian only). Variants are
 * transliteration spellings of the same name; the first is the most common.
 * Family-name pools marked `gendered` take the Slavic feminine ending. */

static const char *const arm_fam[] = {
    "Petrosyan|Petrosian|Petrosjan=Петросян=Պետրոսյան",
    "Grigoryan|Grigorian|Grigorjan=Григорян=Գրիգորյան",
    "Khachatryan|Khachatrian|Xachatryan|Hachatryan=Хачатрян=Խաչատրյան",
    "Hakobyan|Akopyan|Hakobian|Hagopian=Акопян=Հակոբյան",
    "Harutyunyan|Arutyunyan|Harutiunian|Arutiunian=Арутюнян=Հարությունյան",
    "Sargsyan|Sarkisyan|Sargsian|Sarkissian=Саркисян=Սարգսյան",
    "Vardanyan|Vardanian|Vartanian=Варданян=Վարդանյան",
    "Ghazaryan|Kazaryan|Gazaryan|Ghazarian=Казарян=Ղազարյան",
    "Poghosyan|Pogosyan|Poghosian|Boghossian=Погосян=Պողոսյան",
    "Avetisyan|Avetisian|Avetissian=Аветисян=Ավետիսյան",
    "Mkrtchyan|Mkrtchian|Mkrtchjan|Mkrtichian=Мкртчян=Մկրտչյան",
    "Hovhannisyan|Oganesyan|Hovannisyan|Ohanian=Оганесян=Հովհաննիսյան",
    "Karapetyan|Karapetian|Garabedian=Карапетян=Կարապետյան",
    "Gevorgyan|Gevorkyan|Gevorgian|Kevorkian=Геворкян=Գևորգյան",
    "Stepanyan|Stepanian|Stepanjan=Степанян=Ստեփանյան",
    "Martirosyan|Martirosian|Martirossian=Мартиросян=Մարտիրոսյան",
    "Manukyan|Manukian|Manoukian=Манукян=Մանուկյան",
    "Babayan|Babaian|Babajan=Бабаян=Բաբայան",
    "Davtyan|Davtian|Davtjan=Давтян=Դավթյան",
    "Arakelyan|Arakelian|Arakeljan=Аракелян=Առաքելյան",
    "Hambardzumyan|Ambartsumyan|Hambardzumian|Ambartsumian=Амбарцумян=Համբարձումյան",
    "Simonyan|Simonian|Simonjan=Симонян=Սիմոնյան",
    "Asatryan|Asatrian|Asatrjan=Асатрян=Ասատրյան",
    "Melkonyan|Melkonian|Melqonyan=Мелконян=Մելքոնյան",
    "Galstyan|Galstian|Galstjan=Галстян=Գալստյան",
};
static const char *const arm_m[] = {
    "Armen=Армен=Արմեն", "Aram=Арам=Արամ", "Tigran=Тигран=Տիգրան", "Ashot=Ашот=Աշոտ",
    "Artur|Arthur=Артур=Արթուր", "Gevorg|Gevork|Kevork=Геворг=Գևորգ",
    "Grigor|Grigori|Krikor=Григор=Գրիգոր", "Hayk|Haik|Gaik=Гайк=Հայկ",
    "Vahe|Vache|Vage=Ваге=Վահե", "Davit|David=Давид=Դավիթ", "Narek=Нарек=Նարեկ",
    "Hovhannes|Oganes|Ovanes|Hovannes=Оганес=Հովհաննես", "Samvel=Самвел=Սամվել",
    "Suren=Сурен=Սուրեն", "Karen=Карен=Կարեն", "Vardan|Vartan=Вардан=Վարդան",
    "Levon=Левон=Լևոն", "Garnik=Гарник=Գառնիկ", "Hakob|Akop|Hagop=Акоп=Հակոբ",
    "Harutyun|Arutyun|Harutiun=Арутюн=Հարություն", "Gagik=Гагик=Գագիկ",
    "Mher|Mger=Мгер=Մհեր",
};
static const char *const arm_f[] = {
    "Anna=Анна=Աննա", "Ani=Ани=Անի", "Lilit|Lilith=Лилит=Լիլիթ",
    "Mariam|Maryam=Мариам=Մարիամ", "Gayane|Gayaneh|Kayane=Гаяне=Գայանե",
    "Anahit|Anait|Anaid=Анаит=Անահիտ", "Nune=Нуне=Նունե", "Armine=Армине=Արմինե",
    "Lusine|Lusineh=Лусине=Լուսինե", "Narine=Нарине=Նարինե",
    "Siranush|Siranoush=Сирануш=Սիրանուշ", "Hasmik|Asmik=Асмик=Հասմիկ",
    "Tatevik=Татевик=Տաթևիկ", "Astghik|Astkhik=Астхик=Աստղիկ", "Karine=Карине=Կարինե",
    "Hripsime|Ripsime=Рипсиме=Հռիփսիմե",
};
static const char *const ru_fam[] = {
    "Ivanov=Иванов", "Smirnov=Смирнов", "Kuznetsov|Kuznecov=Кузнецов", "Popov=Попов",
    "Vasilyev|Vasiliev|Vasilev=Васильев", "Petrov=Петров", "Sokolov=Соколов",
    "Mikhaylov|Mikhailov|Mihailov=Михайлов", "Novikov=Новиков",
    "Fedorov|Fyodorov=Фёдоров", "Morozov=Морозов", "Volkov=Волков",
    "Alekseyev|Alekseev|Alexeev=Алексеев", "Lebedev=Лебедев", "Semyonov|Semenov=Семёнов",
    "Yegorov|Egorov=Егоров", "Pavlov=Павлов", "Kozlov=Козлов", "Stepanov=Степанов",
    "Nikolayev|Nikolaev=Николаев", "Orlov=Орлов", "Andreyev|Andreev=Андреев",
    "Makarov=Макаров", "Zaytsev|Zaitsev|Zajcev=Зайцев",
    "Solovyov|Solovyev|Soloviev=Соловьёв", "Belov=Белов", "Kovalyov|Kovalev=Ковалёв",
    "Gusev=Гусев", "Titov=Титов", "Kiselyov|Kiselev=Киселёв", "Romanov=Романов",
    "Vinogradov=Виноградов", "Kozlovsky|Kozlovskiy|Kozlovskii=Козловский",
    "Lukashevich|Lukashevitch=Лукашевич", "Zhuk|Juk=Жук", "Karpovich=Карпович",
};
static const char *const ru_m[] = {
    "Aleksandr|Alexander|Alexandr=Александр", "Sergey|Sergei|Sergej=Сергей",
    "Dmitriy|Dmitry|Dmitrii=Дмитрий", "Andrey|Andrei=Андрей",
    "Aleksey|Alexey|Alexei=Алексей", "Maksim|Maxim=Максим", "Ivan=Иван",
    "Mikhail|Mikhael=Михаил", "Nikolay|Nikolai=Николай", "Vladimir=Владимир",
    "Yevgeniy|Evgeny|Evgenii=Евгений", "Artyom|Artem|Artiom=Артём", "Pavel=Павел",
    "Denis=Денис", "Igor=Игорь", "Oleg=Олег", "Roman=Роман", "Vitaliy|Vitaly=Виталий",
    "Yuriy|Yuri|Iurii=Юрий", "Anton=Антон", "Kirill=Кирилл", "Ilya|Ilia=Илья",
};
static const char *const ru_f[] = {
    "Anna=Анна", "Yelena|Elena=Елена", "Olga=Ольга", "Tatyana|Tatiana=Татьяна",
    "Natalya|Natalia=Наталья", "Irina=Ирина", "Svetlana=Светлана", "Mariya|Maria=Мария",
    "Yekaterina|Ekaterina=Екатерина", "Anastasiya|Anastasia=Анастасия",
    "Yuliya|Yulia|Julia=Юлия", "Darya|Daria=Дарья", "Alina=Алина",
    "Viktoriya|Victoria|Viktoria=Виктория", "Kseniya|Ksenia=Ксения", "Polina=Полина",
    "Sofiya|Sofia=София", "Valeriya|Valeria=Валерия", "Kristina=Кристина", "Yana=Яна",
    "Olesya|Alesya=Олеся",
};
static const char *const ua_fam[] = {
    "Shevchenko=Шевченко", "Kovalenko=Коваленко", "Bondarenko=Бондаренко",
    "Tkachenko=Ткаченко", "Kravchenko=Кравченко", "Melnyk|Melnik=Мельник",
    "Boyko|Boiko=Бойко", "Kovalchuk=Ковальчук", "Oliynyk|Oliinyk|Oleinik=Олійник",
    "Lysenko|Lisenko=Лисенко", "Marchenko=Марченко", "Rudenko=Руденко",
    "Savchenko=Савченко", "Polishchuk|Polischuk=Поліщук", "Moroz=Мороз",
    "Hrytsenko|Gritsenko=Гриценко", "Koval=Коваль", "Petrenko=Петренко",
    "Ponomarenko=Пономаренко", "Kostenko=Костенко",
};
static const char *const ua_m[] = {
    "Oleksandr|Olexandr|Aleksandr=Олександр", "Serhiy|Serhii|Sergiy=Сергій",
    "Andriy|Andrii|Andrey=Андрій", "Mykola|Nikolay=Микола", "Dmytro|Dmitro=Дмитро",
    "Bohdan|Bogdan=Богдан", "Taras=Тарас", "Volodymyr|Vladimir=Володимир",
    "Yuriy|Yurii|Iurii=Юрій", "Oleh|Oleg=Олег", "Ivan=Іван", "Vasyl|Vasil=Василь",
    "Maksym|Maxim=Максим", "Roman=Роман", "Petro=Петро",
};
static const char *const ua_f[] = {
    "Olena|Elena=Олена", "Iryna|Irina=Ірина", "Nataliya|Natalia=Наталія",
    "Oksana=Оксана", "Tetiana|Tetyana|Tatiana=Тетяна", "Yuliia|Yuliya|Yulia=Юлія",
    "Anastasiia|Anastasia=Анастасія", "Kateryna|Ekaterina=Катерина",
    "Viktoriia|Viktoria=Вікторія", "Mariia|Maria=Марія", "Olha|Olga=Ольга",
    "Daria|Dariia=Дарія", "Sofiia|Sofia=Софія", "Khrystyna|Kristina=Христина",
    "Alina=Аліна", "Yana=Яна",
};
static const char *const in_fam[] = {
    "Singh", "Kumar", "Sharma", "Verma", "Gupta", "Patel", "Yadav", "Reddy", "Nair",
    "Das", "Khan", "Gill", "Sandhu", "Sidhu", "Dhillon", "Rao", "Mishra", "Chauhan",
    "Thakur", "Pillai", "Joshi", "Malhotra", "Choudhary|Chaudhary|Chaudhry", "Bhatt|Bhat",
};
static const char *const in_m[] = {
    "Rahul", "Amit", "Vikram", "Sandeep|Sundeep", "Rajesh", "Suresh", "Manoj",
    "Gurpreet", "Harpreet", "Manpreet", "Jaspreet", "Sukhwinder|Sukhvinder", "Ravi",
    "Anil", "Sunil", "Deepak|Dipak", "Ajay", "Vijay", "Arjun", "Rohit",
    "Mohammed|Mohammad|Muhammad|Mohd", "Imran", "Sanjay", "Ramesh", "Prakash", "Karan",
    "Gagandeep", "Lovepreet", "Navdeep",
};
static const char *const in_f[] = {
    "Priya", "Pooja|Puja", "Neha", "Anjali", "Kavita|Kavitha", "Sunita", "Simran",
    "Manpreet", "Harpreet", "Ritu", "Lakshmi|Laxmi", "Deepa",
};
static const char *const np_fam[] = {
    "Thapa", "Gurung", "Tamang", "Rai", "Magar", "Shrestha", "Karki", "Limbu",
    "Adhikari", "Bhandari", "Khadka", "Poudel|Paudel", "Sherpa", "Lama", "Bhattarai",
};
static const char *const np_m[] = {
    "Ram", "Bishnu", "Krishna", "Hari", "Suman", "Bikash|Bikas", "Rajendra",
    "Dipak|Deepak", "Sagar", "Prakash", "Nabin|Naveen", "Santosh", "Ramesh",
};
static const char *const np_f[] = {"Sita", "Gita|Geeta", "Sarita", "Sunita", "Manisha", "Anita"};
static const char *const bd_fam[] = {
    "Hossain|Hussain|Hosen", "Rahman", "Islam", "Alam", "Uddin", "Ahmed|Ahmad",
    "Miah|Mia", "Sheikh|Shaikh", "Sarker|Sarkar", "Akter|Akhter", "Chowdhury|Chowdhuri",
    "Mondal|Mandal",
};
static const char *const bd_m[] = {
    "Md Rashed|Mohammad Rashed", "Abdul Karim", "Shahidul", "Rafiqul", "Aminul",
    "Jahangir", "Kamal", "Jamal", "Sohel|Sohail", "Rubel", "Shakil", "Masud|Masood",
    "Mohammad|Mohammed|Md.",
};
static const char *const bd_f[] = {"Nasrin", "Fatema|Fatima", "Shirin", "Rina", "Ayesha|Aisha"};
static const char *const pk_fam[] = {
    "Khan", "Ahmed|Ahmad", "Ali", "Hussain|Husain", "Butt", "Malik",
    "Chaudhry|Chaudhary", "Qureshi", "Raza", "Iqbal", "Shah", "Mirza",
};
static const char *const pk_m[] = {
    "Muhammad|Mohammad|Mohammed", "Ali", "Ahmed|Ahmad", "Usman|Osman", "Bilal", "Imran",
    "Asif", "Tariq|Tarik", "Waqas", "Faisal|Faysal", "Hamza", "Zeeshan|Zishan",
};
static const char *const pk_f[] = {"Ayesha|Aisha", "Fatima", "Sana", "Hina", "Sadia"};
static const char *const lk_fam[] = {
    "Perera", "Fernando", "De Silva|de Silva|Silva", "Jayasinghe", "Bandara",
    "Wickramasinghe|Wickremesinghe", "Rajapaksha|Rajapakse", "Gunawardena|Gunawardana",
    "Herath", "Dissanayake|Dissanayaka", "Kumara",
};
static const char *const lk_m[] = {
    "Nimal", "Sunil", "Kamal", "Chaminda", "Pradeep", "Ruwan", "Nuwan", "Dinesh",
    "Mahesh", "Tharindu",
};
static const char *const lk_f[] = {
    "Nadeesha|Nadisha", "Dilani", "Chamari", "Kumari", "Sanduni", "Malkanthi",
    "Nirosha", "Anoma",
};
static const char *const ph_fam[] = {
    "Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza",
    "Dela Cruz|dela Cruz|De la Cruz", "Ramos", "Aquino", "Villanueva", "Castillo",
    "Flores",
};
static const char *const ph_m[] = {"Jose", "Juan", "Mark", "John Paul", "Rommel", "Jun", "Ariel"};
static const char *const ph_f[] = {
    "Maria|Ma.", "Jocelyn", "Maricel", "Lorna", "Rowena", "Marites|Maritess", "Jennifer",
    "Rosalie", "Analyn", "Cristina|Christina", "Grace", "Mary Ann|Maryann",
};
static const char *const et_fam[] = {
    "Tesfaye", "Alemu", "Bekele", "Girma", "Haile", "Tadesse|Tadese", "Mengistu",
    "Wolde|Welde", "Kebede", "Getachew",
};
static const char *const et_m[] = {"Abebe", "Dawit", "Tesfaye", "Yohannes", "Bereket"};
static const char *const et_f[] = {
    "Tigist", "Meseret", "Hirut|Hiruth", "Almaz", "Selamawit|Selam",
    "Bethlehem|Betelhem", "Mekdes", "Tsehay|Tsehai", "Aster",
};
static const char *const ir_fam[] = {
    "Mohammadi|Mohamadi", "Hosseini|Husseini", "Ahmadi", "Rezaei|Rezaee", "Moradi",
    "Karimi", "Jafari|Jafary", "Rahimi", "Hashemi", "Ghasemi|Qasemi", "Sadeghi|Sadeqi",
    "Tehrani", "Kazemi", "Rostami",
};
static const char *const ir_m[] = {
    "Mohammad|Mohammed|Mohamad", "Ali", "Reza", "Hossein|Hosein|Hussein", "Mehdi|Mahdi",
    "Amir", "Hamid", "Saeed|Saeid|Said", "Mohsen", "Majid", "Behnam", "Farhad",
};
static const char *const ir_f[] = {
    "Fatemeh|Fatima", "Zahra", "Maryam|Mariam", "Sara|Sarah", "Narges", "Nazanin",
    "Leila|Leyla",
};
static const char *const cn_fam[] = {
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
    "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Lin",
};
static const char *const cn_m[] = {
    "Wei", "Lei", "Jun", "Yong", "Jie", "Tao", "Ming", "Qiang", "Hao", "Bo", "Jianhua",
    "Zhiqiang", "Xiaoming",
};
static const char *const cn_f[] = {"Li", "Fang", "Yan", "Jing", "Min", "Xiaoyan", "Hong"};
static const char *const ar_fam[] = {
    "Al-Ahmad|Alahmad|Al Ahmad", "Haddad", "Khalil", "Hassan|Hasan", "Ibrahim",
    "Saleh|Salih", "Mansour|Mansur", "Nasser|Nasr", "Al-Hussein|Alhussein",
    "Abdullah|Abdallah", "Saad", "Farah", "Khoury|Khouri|Al-Khoury", "Darwish",
    "Hamdan", "Kassem|Qasem|Kasem", "Al-Jubouri|Aljubouri", "Al-Tamimi|Altamimi",
    "Abdelrahman|Abdel Rahman", "El-Sayed|Elsayed|El Sayed",
};
static const char *const ar_m[] = {
    "Mohammed|Muhammad|Mohamed|Mohammad", "Ahmed|Ahmad", "Ali", "Omar|Umar",
    "Khaled|Khalid", "Hassan|Hasan", "Hussein|Husein|Hussain", "Mahmoud|Mahmud",
    "Youssef|Yousef|Yusuf", "Ibrahim|Ebrahim", "Mustafa|Moustafa|Mostafa",
    "Abdullah|Abdallah", "Samir|Sameer", "Tarek|Tariq", "Karim|Kareem",
};
static const char *const ar_f[] = {
    "Fatima|Fatma", "Aisha|Aysha", "Mariam|Maryam", "Noor|Nour", "Rania", "Layla|Leila",
    "Hiba", "Dina",
};
static const char *const tr_fam[] = {
    "Yılmaz|Yilmaz", "Kaya", "Demir", "Şahin|Sahin", "Çelik|Celik", "Yıldız|Yildiz",
    "Aydın|Aydin", "Öztürk|Ozturk", "Arslan", "Doğan|Dogan", "Kılıç|Kilic",
};
static const char *const tr_m[] = {
    "Mehmet|Mehmed", "Mustafa", "Ahmet", "Ali", "Hüseyin|Huseyin", "Hasan",
    "İbrahim|Ibrahim", "Murat", "Emre", "Burak", "Ömer|Omer",
};
static const char *const tr_f[] = {"Ayşe|Ayse", "Fatma", "Emine", "Zeynep", "Elif"};
static const char *const ge_fam[] = {
    "Beridze", "Kapanadze", "Gelashvili", "Maisuradze", "Lomidze",
    "Tsiklauri|Tsiklaury", "Bolkvadze", "Kvaratskhelia", "Nozadze", "Abuladze",
    "Khutsishvili|Khutsishvilli", "Mamedov|Mammadov",
};
static const char *const ge_m[] = {
    "Giorgi|George|Georgi", "Davit|David", "Levan", "Irakli|Irakly", "Nikoloz|Nika",
    "Zurab", "Giga", "Luka", "Lasha", "Mikheil|Mikhail",
};
static const char *const ge_f[] = {
    "Nino", "Tamar|Tamara", "Mariam", "Ana", "Ekaterine|Eka", "Salome", "Natia",
    "Ketevan|Keti",
};
static const char *const ca_fam[] = {
    "Karimov=Каримов", "Rakhimov|Rahimov=Рахимов", "Yusupov=Юсупов",
    "Abdullayev|Abdullaev=Абдуллаев", "Ergashev=Эргашев", "Nazarov=Назаров",
    "Tursunov=Турсунов", "Mirzayev|Mirzaev=Мирзаев", "Kholmatov|Xolmatov=Холматов",
    "Sobirov=Собиров", "Umarov=Умаров", "Rahmonov|Rakhmonov=Рахмонов", "Saidov=Саидов",
    "Davlatov=Давлатов", "Sharipov=Шарипов", "Rajabov|Radjabov=Раджабов",
    "Kurbonov|Qurbonov=Курбонов", "Safarov=Сафаров",
};
static const char *const uz_m[] = {
    "Azizbek|Aziz", "Bekzod|Bekzot", "Sardor", "Jasurbek|Jasur", "Rustam=Рустам",
    "Sherzod", "Ulugbek|Ulughbek", "Dilshod", "Farrukh|Farukh", "Otabek",
};
static const char *const uz_f[] = {
    "Dilnoza", "Gulnora|Gulnara", "Nilufar", "Madina=Мадина", "Zarina=Зарина",
    "Shahnoza", "Sevara",
};
static const char *const tj_m[] = {
    "Firdavs", "Farhod|Farkhod", "Jamshed|Jamshid", "Rustam=Рустам",
    "Bakhtiyor|Baxtiyor", "Shukhrat|Shuhrat", "Umed", "Faridun",
};
static const char *const tj_f[] = {"Mehrona", "Nigina", "Zarina=Зарина", "Shabnam"};
static const char *const kg_fam[] = {
    "Asanov=Асанов", "Usenov=Усенов", "Mamatov=Маматов", "Abdyldaev|Abdyldayev=Абдылдаев",
    "Toktogulov=Токтогулов", "Ismailov|Ismaylov=Исмаилов", "Sadykov|Sadikov=Садыков",
    "Zhumabaev|Jumabaev|Dzhumabaev=Жумабаев", "Osmonov=Осмонов", "Bakirov=Бакиров",
};
static const char *const kg_m[] = {
    "Nurlan=Нурлан", "Azamat=Азамат", "Bakyt|Bakit", "Ermek", "Talant", "Aibek|Aybek",
    "Maksat", "Ulan", "Chyngyz|Chingiz", "Kanat",
};
static const char *const kg_f[] = {
    "Aigerim|Aygerim", "Aizhan|Ayzhan", "Cholpon|Cholpan", "Asel", "Gulzat", "Nazira",
    "Begimai|Begimay", "Aida",
};
static const char *const kz_fam[] = {
    "Nurlanov", "Akhmetov|Ahmetov", "Omarov", "Zhakupov|Dzhakupov", "Kenzhebekov",
    "Suleimenov|Suleymenov", "Bekov", "Tulegenov",
};
static const char *const kz_m[] = {
    "Nursultan", "Yerlan|Erlan", "Daulet", "Askar", "Arman", "Baurzhan|Bauyrzhan",
    "Dias", "Timur",
};
static const char *const kz_f[] = {"Aigerim", "Dana", "Aruzhan", "Madina", "Saule"};
static const char *const us_fam[] = {
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
    "Anderson", "Taylor", "O'Brien|OBrien", "Garcia",
};
static const char *const us_m[] = {
    "John", "Michael", "David", "James", "Robert", "Daniel", "Christopher", "Matthew",
};
static const char *const us_f[] = {"Jennifer", "Sarah", "Emily", "Jessica", "Elizabeth", "Ashley"};
static const char *const fr_fam[] = {
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
    "Leroy|Le Roy", "Moreau", "Lefèvre|Lefevre",
};
static const char *const fr_m[] = {
    "Jean", "Pierre", "Nicolas", "Thomas", "Julien", "Antoine", "Mathieu|Matthieu",
    "Jean-Pierre|Jean Pierre",
};
static const char *const fr_f[] = {"Marie", "Sophie", "Camille", "Julie", "Claire",
                                   "Élodie|Elodie"};

typedef struct {
    const char *const *v;
    uint16_t n;
    uint8_t gendered;
} pool_t;

#define POOL(a, g) {a, (uint16_t)NELEM(a), g}

enum {
    PL_ARM_FAM, PL_ARM_M, PL_ARM_F, PL_RU_FAM, PL_RU_M, PL_RU_F, PL_UA_FAM, PL_UA_M,
    PL_UA_F, PL_IN_FAM, PL_IN_M, PL_IN_F, PL_NP_FAM, PL_NP_M, PL_NP_F, PL_BD_FAM,
    PL_BD_M, PL_BD_F, PL_PK_FAM, PL_PK_M, PL_PK_F, PL_LK_FAM, PL_LK_M, PL_LK_F,
    PL_PH_FAM, PL_PH_M, PL_PH_F, PL_ET_FAM, PL_ET_M, PL_ET_F, PL_IR_FAM, PL_IR_M,
    PL_IR_F, PL_CN_FAM, PL_CN_M, PL_CN_F, PL_AR_FAM, PL_AR_M, PL_AR_F, PL_TR_FAM,
    PL_TR_M, PL_TR_F, PL_GE_FAM, PL_GE_M, PL_GE_F, PL_CA_FAM, PL_UZ_M, PL_UZ_F,
    PL_TJ_M, PL_TJ_F, PL_KG_FAM, PL_KG_M, PL_KG_F, PL_KZ_FAM, PL_KZ_M, PL_KZ_F,
    PL_US_FAM, PL_US_M, PL_US_F, PL_FR_FAM, PL_FR_M, PL_FR_F
};

static const pool_t pools[] = {
    POOL(arm_fam, 0), POOL(arm_m, 0), POOL(arm_f, 0), POOL(ru_fam, 1), POOL(ru_m, 0),
    POOL(ru_f, 0), POOL(ua_fam, 1), POOL(ua_m, 0), POOL(ua_f, 0), POOL(in_fam, 0),
    POOL(in_m, 0), POOL(in_f, 0), POOL(np_fam, 0), POOL(np_m, 0), POOL(np_f, 0),
    POOL(bd_fam, 0), POOL(bd_m, 0), POOL(bd_f, 0), POOL(pk_fam, 0), POOL(pk_m, 0),
    POOL(pk_f, 0), POOL(lk_fam, 0), POOL(lk_m, 0), POOL(lk_f, 0), POOL(ph_fam, 0),
    POOL(ph_m, 0), POOL(ph_f, 0), POOL(et_fam, 0), POOL(et_m, 0), POOL(et_f, 0),
    POOL(ir_fam, 0), POOL(ir_m, 0), POOL(ir_f, 0), POOL(cn_fam, 0), POOL(cn_m, 0),
    POOL(cn_f, 0), POOL(ar_fam, 0), POOL(ar_m, 0), POOL(ar_f, 0), POOL(tr_fam, 0),
    POOL(tr_m, 0), POOL(tr_f, 0), POOL(ge_fam, 0), POOL(ge_m, 0), POOL(ge_f, 0),
    POOL(ca_fam, 1), POOL(uz_m, 0), POOL(uz_f, 0), POOL(tj_m, 0), POOL(tj_f, 0),
    POOL(kg_fam, 1), POOL(kg_m, 0), POOL(kg_f, 0), POOL(kz_fam, 1), POOL(kz_m, 0),
    POOL(kz_f, 0), POOL(us_fam, 0), POOL(us_m, 0), POOL(us_f, 0), POOL(fr_fam, 0),
    POOL(fr_m, 0), POOL(fr_f, 0),
};

/* ---- nationalities -------------------------------------------------------- */

enum {
    N_RUS, N_IND, N_IRN, N_CHN, N_SYR, N_IRQ, N_LBN, N_UKR, N_BLR, N_GEO, N_TUR, N_EGY,
    N_PAK, N_NPL, N_BGD, N_LKA, N_PHL, N_UZB, N_TJK, N_KGZ, N_KAZ, N_USA, N_FRA, N_ETH,
    NNAT
};

enum { CYR_NONE, CYR_RU, CYR_UA }; /* how the passport transliterates Cyrillic */
enum { BP_AIR, BP_GEO, BP_IRN };   /* border point profile */

typedef struct {
    const char *iso;
    const char *name_en;  /* what a careless clerk types instead of the code */
    uint16_t share;       /* background permit share, per mille */
    uint16_t tourist;     /* share among unrelated travellers, per mille */
    const char *docfmt;   /* passport number: L letter, D digit, other literal */
    const char *cc;       /* phone country code */
    const char *mobile;   /* national mobile number pattern */
    uint8_t fam, male, female; /* name pools */
    uint8_t arm_pct;      /* percent with Armenian-origin names (diaspora) */
    uint8_t cyr;
    uint8_t visa_free;
    uint8_t border;
    const char *mail;     /* '|'-separated e-mail domains */
} nat_t;

static const nat_t nats[NNAT] = {
    {"RUS", "Russia", 300, 330, "DDDDDDDDD", "7", "9DDDDDDDDD", PL_RU_FAM, PL_RU_M, PL_RU_F,
     25, CYR_RU, 1, BP_AIR, "mail.ru|yandex.ru|gmail.com|bk.ru"},
    {"IND", "India", 200, 50, "LDDDDDDD", "91", "9DDDDDDDDD", PL_IN_FAM, PL_IN_M, PL_IN_F,
     0, CYR_NONE, 0, BP_AIR, "gmail.com|yahoo.co.in|rediffmail.com"},
    {"IRN", "Iran", 60, 150, "LDDDDDDDD", "98", "9DDDDDDDDD", PL_IR_FAM, PL_IR_M, PL_IR_F,
     15, CYR_NONE, 1, BP_IRN, "gmail.com|yahoo.com"},
    {"CHN", "China", 50, 50, "EDDDDDDDD", "86", "13DDDDDDDDD", PL_CN_FAM, PL_CN_M, PL_CN_F,
     0, CYR_NONE, 1, BP_AIR, "163.com|qq.com"},
    {"SYR", "Syria", 40, 10, "NDDDDDDDD", "963", "9DDDDDDDD", PL_AR_FAM, PL_AR_M, PL_AR_F,
     40, CYR_NONE, 0, BP_AIR, "gmail.com|hotmail.com"},
    {"IRQ", "Iraq", 25, 20, "ADDDDDDDD", "964", "7DDDDDDDDD", PL_AR_FAM, PL_AR_M, PL_AR_F,
     20, CYR_NONE, 0, BP_AIR, "gmail.com|yahoo.com"},
    {"LBN", "Lebanon", 20, 15, "LRDDDDDDD", "961", "3DDDDDD", PL_AR_FAM, PL_AR_M, PL_AR_F,
     45, CYR_NONE, 1, BP_AIR, "gmail.com|hotmail.com"},
    {"UKR", "Ukraine", 30, 30, "LLDDDDDD", "380", "67DDDDDDD", PL_UA_FAM, PL_UA_M,
     PL_UA_F, 5, CYR_UA, 1, BP_AIR, "ukr.net|gmail.com|i.ua"},
    {"BLR", "Belarus", 20, 15, "MPDDDDDDD", "375", "29DDDDDDD", PL_RU_FAM, PL_RU_M,
     PL_RU_F, 3, CYR_RU, 1, BP_AIR, "tut.by|mail.ru|gmail.com"},
    {"GEO", "Georgia", 20, 100, "DDLLDDDDD", "995", "5DDDDDDDD", PL_GE_FAM, PL_GE_M,
     PL_GE_F, 25, CYR_NONE, 1, BP_GEO, "gmail.com|mail.ru"},
    {"TUR", "Turkey", 20, 10, "UDDDDDDDD", "90", "5DDDDDDDDD", PL_TR_FAM, PL_TR_M, PL_TR_F,
     0, CYR_NONE, 0, BP_GEO, "gmail.com|hotmail.com"},
    {"EGY", "Egypt", 15, 10, "ADDDDDDDD", "20", "10DDDDDDDD", PL_AR_FAM, PL_AR_M, PL_AR_F,
     3, CYR_NONE, 0, BP_AIR, "gmail.com|yahoo.com"},
    {"PAK", "Pakistan", 20, 5, "LLDDDDDDD", "92", "3DDDDDDDDD", PL_PK_FAM, PL_PK_M, PL_PK_F,
     0, CYR_NONE, 0, BP_AIR, "gmail.com|yahoo.com"},
    {"NPL", "Nepal", 20, 3, "PADDDDDDD", "977", "98DDDDDDDD", PL_NP_FAM, PL_NP_M, PL_NP_F,
     0, CYR_NONE, 0, BP_AIR, "gmail.com|yahoo.com"},
    {"BGD", "Bangladesh", 20, 3, "EBDDDDDDD", "880", "17DDDDDDDD", PL_BD_FAM, PL_BD_M,
     PL_BD_F, 0, CYR_NONE, 0, BP_AIR, "gmail.com|yahoo.com"},
    {"LKA", "Sri Lanka", 15, 5, "NDDDDDDD", "94", "7DDDDDDDD", PL_LK_FAM, PL_LK_M, PL_LK_F,
     0, CYR_NONE, 0, BP_AIR, "gmail.com|yahoo.com"},
    {"PHL", "Philippines", 12, 5, "PDDDDDDDL", "63", "9DDDDDDDDD", PL_PH_FAM, PL_PH_M,
     PL_PH_F, 0, CYR_NONE, 0, BP_AIR, "gmail.com|yahoo.com"},
    {"UZB", "Uzbekistan", 20, 10, "FADDDDDDD", "998", "9DDDDDDDD", PL_CA_FAM, PL_UZ_M,
     PL_UZ_F, 0, CYR_NONE, 1, BP_AIR, "mail.ru|gmail.com"},
    {"TJK", "Tajikistan", 10, 5, "DDDDDDDDD", "992", "9DDDDDDDD", PL_CA_FAM, PL_TJ_M,
     PL_TJ_F, 0, CYR_NONE, 1, BP_AIR, "mail.ru|gmail.com"},
    {"KGZ", "Kyrgyzstan", 10, 5, "ACDDDDDDD", "996", "7DDDDDDDD", PL_KG_FAM, PL_KG_M,
     PL_KG_F, 0, CYR_NONE, 1, BP_AIR, "mail.ru|gmail.com"},
    {"KAZ", "Kazakhstan", 8, 20, "NDDDDDDDD", "7", "7DDDDDDDDD", PL_KZ_FAM, PL_KZ_M,
     PL_KZ_F, 5, CYR_NONE, 1, BP_AIR, "mail.ru|gmail.com"},
    {"USA", "United States", 12, 60, "DDDDDDDDD", "1", "2DDDDDDDDD", PL_US_FAM, PL_US_M,
     PL_US_F, 40, CYR_NONE, 1, BP_AIR, "gmail.com|yahoo.com|outlook.com"},
    {"FRA", "France", 8, 40, "DDLLDDDDD", "33", "6DDDDDDDD", PL_FR_FAM, PL_FR_M, PL_FR_F,
     35, CYR_NONE, 1, BP_AIR, "gmail.com|orange.fr|free.fr"},
    {"ETH", "Ethiopia", 3, 2, "EPDDDDDDD", "251", "9DDDDDDDD", PL_ET_FAM, PL_ET_M, PL_ET_F,
     0, CYR_NONE, 0, BP_AIR, "gmail.com|yahoo.com"},
};

/* ---- occupations (ISCO-08) and sectors (ISIC Rev.4 divisions) ----------- */

typedef struct {
    const char *isco;
    const char *titles; /* '|'-separated spellings seen in position_title */
    uint32_t median;    /* monthly gross AMD */
    uint8_t female_pct;
} occ_t;

enum {
    O_BRICKLAYER, O_LABOURER, O_CARPENTER, O_WELDER, O_CONCRETE, O_PLUMBER,
    O_ELECTRICIAN, O_CIVILTECH, O_CIVILENG, O_PLANTOP, O_TRUCKDRV, O_DRIVER, O_WAITER,
    O_COOK, O_CHEF, O_KITCHENHELP, O_BARTENDER, O_HOUSEKEEPSUP, O_CLEANER, O_RECEPTION,
    O_FARMLAB, O_GROWER, O_LIVESTOCK, O_DOMESTIC, O_CHILDCARE, O_HOMECARE, O_DANCER,
    O_MUSICIAN, O_ARTIST, O_COACH, O_SWDEV, O_APPPROG, O_SYSANALYST, O_DBDESIGN,
    O_ICTSUPPORT, O_ICTMGR, O_SALES, O_CASHIER, O_RETAILMGR, O_BAKER, O_FOODOP,
    O_MANUFLAB, O_NURSE, O_DOCTOR, O_LANGTEACHER, O_UNITEACHER, O_PRIMTEACHER,
    O_MINER, O_CLERK, O_DIRECTOR, O_FREIGHT, NOCC
};

static const occ_t occs[NOCC] = {
    {"7112", "Bricklayer|Mason|Каменщик|bricklayer|Որմնադիր", 220000, 0},
    {"9313", "Construction worker|Labourer|General worker|Разнорабочий|Helper", 160000, 1},
    {"7115", "Carpenter|Плотник|Joiner", 230000, 0},
    {"7212", "Welder|Сварщик|Electric welder", 260000, 0},
    {"7114", "Concrete worker|Бетонщик|Concrete placer", 200000, 0},
    {"7126", "Plumber|Сантехник", 220000, 0},
    {"7411", "Electrician|Электрик", 250000, 1},
    {"3112", "Civil engineering technician|Site technician", 400000, 8},
    {"2142", "Civil engineer|Инженер-строитель|Site engineer", 550000, 10},
    {"8342", "Excavator operator|Machine operator|Экскаваторщик", 300000, 0},
    {"8332", "Truck driver|Heavy truck driver|Водитель грузовика", 280000, 1},
    {"8322", "Driver|Водитель|Car driver", 200000, 3},
    {"5131", "Waiter|Waitress|Официант|Մատուցող", 140000, 45},
    {"5120", "Cook|Повар|Խոհարար", 220000, 25},
    {"3434", "Chef|Head chef|Шеф-повар", 400000, 15},
    {"9412", "Kitchen helper|Dishwasher|Помощник повара", 110000, 30},
    {"5132", "Bartender|Barman|Бармен", 160000, 25},
    {"5151", "Housekeeping supervisor|Head housekeeper", 180000, 70},
    {"9112", "Cleaner|Уборщица|Housekeeping", 110000, 70},
    {"4224", "Receptionist|Front desk|Администратор", 180000, 60},
    {"9211", "Farm worker|Agricultural worker|Сельхозрабочий|Picker", 100000, 10},
    {"6111", "Field crop grower|Greenhouse worker", 130000, 10},
    {"6121", "Livestock worker|Herdsman|Животновод", 130000, 5},
    {"9111", "Housekeeper|Domestic worker|Maid|Домработница", 150000, 90},
    {"5311", "Nanny|Babysitter|Няня|Դայակ", 200000, 95},
    {"5322", "Caregiver|Home care worker|Сиделка", 180000, 85},
    {"2653", "Dancer|Artist-dancer|Танцовщица|Պարուհի", 250000, 85},
    {"2652", "Musician|Singer|Музыкант", 300000, 30},
    {"3435", "Performer|Show artist|Animator", 200000, 50},
    {"3422", "Coach|Sports instructor|Тренер", 300000, 20},
    {"2512", "Software developer|Software engineer|Backend developer|Программист", 1000000, 18},
    {"2514", "Applications programmer|Mobile developer|Frontend developer", 900000, 20},
    {"2511", "Systems analyst|Business analyst", 1100000, 30},
    {"2521", "Database designer|Data engineer|DBA", 900000, 15},
    {"3512", "IT support technician|Helpdesk specialist", 450000, 20},
    {"1330", "ICT manager|Engineering manager|CTO", 1500000, 15},
    {"5223", "Shop assistant|Sales assistant|Продавец|Վաճառող", 150000, 45},
    {"5230", "Cashier|Кассир", 140000, 60},
    {"1420", "Shop manager|Store manager", 400000, 25},
    {"7512", "Baker|Пекарь|Հացթուխ", 160000, 20},
    {"8160", "Food machine operator|Production operator", 170000, 25},
    {"9329", "Production worker|Factory worker|Packer", 130000, 35},
    {"2221", "Nurse|Медсестра|Բուժքույր", 300000, 85},
    {"2211", "Doctor|Physician|Врач", 700000, 45},
    {"2353", "Language teacher|English teacher|Teacher of French", 300000, 60},
    {"2310", "Lecturer|University teacher|Professor", 450000, 40},
    {"2341", "Primary school teacher|Teacher", 250000, 80},
    {"8111", "Miner|Горнорабочий|Underground miner", 350000, 0},
    {"4110", "Office clerk|Administrative assistant", 200000, 55},
    {"1120", "Director|Managing director|Генеральный директор", 1000000, 15},
    {"9333", "Loader|Warehouse worker|Грузчик", 140000, 3},
};

enum {
    S41, S42, S43, S56, S55, S01, S97, S93, S62, S47, S10, S86, S85, S49, S07, S46, NSEC
};
enum { RP_DEFAULT, RP_AGRI, RP_MINING, RP_IT, RP_HOTEL };

typedef struct {
    const char *isic;
    uint8_t occ[8];
    uint8_t occw[8];
    uint8_t region_profile;
    const char *words; /* '|'-separated words for employer names */
} sector_t;

static const sector_t sectors[NSEC] = {
    {"41", {O_BRICKLAYER, O_LABOURER, O_CARPENTER, O_WELDER, O_CONCRETE, O_ELECTRICIAN,
            O_CIVILENG, O_PLANTOP}, {25, 30, 10, 8, 8, 6, 3, 4}, RP_DEFAULT,
     "Construction|Build|Stroy|Development|Engineering|Group"},
    {"42", {O_LABOURER, O_PLANTOP, O_WELDER, O_TRUCKDRV, O_CIVILENG, O_CIVILTECH,
            O_CONCRETE, O_ELECTRICIAN}, {30, 15, 10, 10, 5, 5, 10, 5}, RP_DEFAULT,
     "Road Construction|Infrastructure|Engineering|Bridge|Tunnel"},
    {"43", {O_PLUMBER, O_ELECTRICIAN, O_WELDER, O_CARPENTER, O_LABOURER, O_BRICKLAYER,
            O_CONCRETE, O_CIVILTECH}, {15, 20, 15, 10, 25, 15, 5, 3}, RP_DEFAULT,
     "Installations|Finishing|Renovation|Montage|Remont"},
    {"56", {O_WAITER, O_COOK, O_CHEF, O_KITCHENHELP, O_BARTENDER, O_CLEANER, O_DRIVER,
            O_CASHIER}, {30, 25, 8, 20, 8, 5, 2, 2}, RP_DEFAULT,
     "Restaurant|Cafe|Grill|Kitchen|Pizza|Tavern|Lounge|Doner"},
    {"55", {O_RECEPTION, O_CLEANER, O_WAITER, O_COOK, O_HOUSEKEEPSUP, O_KITCHENHELP,
            O_DRIVER, O_BARTENDER}, {20, 25, 15, 10, 10, 10, 5, 5}, RP_HOTEL,
     "Hotel|Resort|Guest House|Inn|Hostel"},
    {"01", {O_FARMLAB, O_GROWER, O_LIVESTOCK, O_TRUCKDRV, O_DRIVER, O_FARMLAB, O_FARMLAB,
            O_FARMLAB}, {60, 20, 10, 5, 5, 0, 0, 0}, RP_AGRI,
     "Agro|Farm|Greenhouse|Fruits|Garden|Vineyards"},
    {"97", {O_DOMESTIC, O_CHILDCARE, O_HOMECARE, O_DRIVER, O_DOMESTIC, O_DOMESTIC,
            O_DOMESTIC, O_DOMESTIC}, {50, 30, 17, 3, 0, 0, 0, 0}, RP_DEFAULT, "Household"},
    {"93", {O_DANCER, O_MUSICIAN, O_BARTENDER, O_ARTIST, O_COACH, O_WAITER, O_DANCER,
            O_DANCER}, {25, 25, 10, 15, 20, 5, 0, 0}, RP_DEFAULT,
     "Club|Show|Entertainment|Arena|Fitness|Events"},
    {"62", {O_SWDEV, O_APPPROG, O_SYSANALYST, O_DBDESIGN, O_ICTSUPPORT, O_ICTMGR, O_SWDEV,
            O_SWDEV}, {40, 25, 10, 8, 10, 5, 0, 0}, RP_IT,
     "Tech|Soft|Labs|Systems|Solutions|Digital|Data|AI"},
    {"47", {O_SALES, O_CASHIER, O_RETAILMGR, O_DRIVER, O_CLERK, O_FREIGHT, O_SALES,
            O_SALES}, {50, 20, 8, 8, 7, 7, 0, 0}, RP_DEFAULT,
     "Market|Trade|Store|Supermarket|Shop|Mall"},
    {"10", {O_BAKER, O_FOODOP, O_MANUFLAB, O_DRIVER, O_FREIGHT, O_BAKER, O_BAKER, O_BAKER},
     {30, 30, 28, 6, 6, 0, 0, 0}, RP_DEFAULT, "Food|Dairy|Bakery|Canning|Meat|Foods"},
    {"86", {O_NURSE, O_DOCTOR, O_HOMECARE, O_CLEANER, O_NURSE, O_NURSE, O_NURSE, O_NURSE},
     {50, 30, 15, 5, 0, 0, 0, 0}, RP_DEFAULT, "Medical Center|Clinic|Hospital|Dental"},
    {"85", {O_LANGTEACHER, O_UNITEACHER, O_PRIMTEACHER, O_CLERK, O_LANGTEACHER,
            O_LANGTEACHER, O_LANGTEACHER, O_LANGTEACHER}, {50, 28, 17, 5, 0, 0, 0, 0},
     RP_DEFAULT, "School|Academy|Education Center|University|Language Center"},
    {"49", {O_TRUCKDRV, O_DRIVER, O_FREIGHT, O_CLERK, O_TRUCKDRV, O_TRUCKDRV, O_TRUCKDRV,
            O_TRUCKDRV}, {55, 30, 10, 5, 0, 0, 0, 0}, RP_DEFAULT,
     "Logistics|Trans|Cargo|Transport|Express"},
    {"07", {O_MINER, O_PLANTOP, O_WELDER, O_TRUCKDRV, O_ELECTRICIAN, O_CIVILENG, O_MINER,
            O_MINER}, {60, 15, 8, 7, 5, 5, 0, 0}, RP_MINING,
     "Mining|Metals|Copper|Resources|Gold"},
    {"46", {O_CLERK, O_DRIVER, O_FREIGHT, O_DIRECTOR, O_SALES, O_CLERK, O_CLERK, O_CLERK},
     {30, 25, 30, 5, 10, 0, 0, 0}, RP_DEFAULT, "Import|Export|Trading|Distribution|Trade"},
};

/* Nationality-to-sector affinity (relative weights per nationality row). */
static const uint8_t nat_sector[NNAT][NSEC] = {
    /*        41  42  43  56  55  01  97  93  62  47  10  86  85  49  07  46 */
    /*RUS*/ {8, 1, 5, 8, 4, 1, 1, 3, 35, 10, 3, 4, 6, 3, 1, 8},
    /*IND*/ {30, 8, 12, 15, 5, 12, 1, 0, 3, 4, 8, 2, 1, 0, 0, 0},
    /*IRN*/ {8, 0, 2, 15, 5, 0, 0, 0, 5, 20, 8, 6, 4, 5, 0, 20},
    /*CHN*/ {30, 25, 10, 7, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 10, 10},
    /*SYR*/ {10, 0, 10, 30, 0, 0, 0, 0, 0, 20, 15, 5, 3, 0, 0, 7},
    /*IRQ*/ {15, 0, 0, 20, 5, 0, 0, 0, 0, 25, 10, 5, 0, 0, 0, 15},
    /*LBN*/ {0, 0, 0, 25, 10, 0, 0, 0, 10, 20, 0, 10, 10, 0, 0, 15},
    /*UKR*/ {10, 0, 10, 10, 5, 0, 1, 5, 35, 8, 0, 7, 8, 0, 0, 0},
    /*BLR*/ {15, 0, 10, 8, 0, 0, 0, 5, 35, 7, 0, 7, 8, 5, 0, 0},
    /*GEO*/ {20, 0, 0, 15, 10, 10, 0, 0, 0, 15, 0, 0, 0, 20, 0, 10},
    /*TUR*/ {40, 15, 15, 10, 0, 0, 0, 0, 0, 10, 10, 0, 0, 0, 0, 0},
    /*EGY*/ {20, 0, 0, 30, 15, 0, 0, 0, 0, 20, 15, 0, 0, 0, 0, 0},
    /*PAK*/ {40, 0, 15, 20, 0, 0, 0, 0, 0, 15, 10, 0, 0, 0, 0, 0},
    /*NPL*/ {35, 0, 10, 25, 15, 10, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0},
    /*BGD*/ {40, 0, 15, 15, 0, 10, 0, 0, 0, 5, 15, 0, 0, 0, 0, 0},
    /*LKA*/ {25, 0, 0, 20, 20, 10, 20, 0, 0, 0, 5, 0, 0, 0, 0, 0},
    /*PHL*/ {0, 0, 0, 10, 15, 0, 55, 0, 0, 0, 0, 10, 10, 0, 0, 0},
    /*UZB*/ {35, 0, 15, 10, 0, 25, 0, 0, 0, 0, 10, 0, 0, 5, 0, 0},
    /*TJK*/ {40, 0, 15, 0, 0, 30, 0, 0, 0, 0, 10, 0, 0, 5, 0, 0},
    /*KGZ*/ {30, 0, 10, 15, 0, 30, 0, 0, 0, 0, 10, 0, 0, 5, 0, 0},
    /*KAZ*/ {20, 0, 0, 0, 0, 0, 0, 0, 25, 15, 0, 0, 0, 20, 0, 20},
    /*USA*/ {0, 0, 0, 5, 0, 0, 0, 10, 25, 0, 0, 10, 40, 0, 0, 10},
    /*FRA*/ {0, 0, 0, 15, 10, 0, 0, 10, 20, 0, 0, 10, 35, 0, 0, 0},
    /*ETH*/ {0, 0, 0, 20, 20, 0, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0},
};

/* ---- places: regions, towns, streets -------------------------------------- */

enum { R_ER, R_AG, R_AR, R_AV, R_GR, R_KT, R_LO, R_SH, R_SU, R_TV, R_VD, NREG };
static const char *const region_code[NREG] = {"AM-ER", "AM-AG", "AM-AR", "AM-AV", "AM-GR",
                                              "AM-KT", "AM-LO", "AM-SH", "AM-SU", "AM-TV",
                                              "AM-VD"};
static const uint16_t region_w[][NREG] = {
    /* ER  AG  AR  AV  GR  KT  LO  SH  SU  TV  VD */
    {660, 25, 55, 45, 28, 75, 38, 42, 35, 18, 10}, /* default */
    {0, 100, 350, 300, 70, 80, 30, 50, 0, 20, 0},   /* agriculture */
    {0, 0, 0, 0, 0, 0, 250, 0, 750, 0, 0},          /* mining */
    {950, 0, 0, 0, 0, 0, 20, 30, 0, 0, 0},          /* IT */
    {500, 0, 0, 0, 70, 150, 20, 30, 20, 100, 80},   /* hotels */
};

typedef struct {
    const char *lat; /* '|'-separated spellings */
    const char *cyr;
    const char *arm;
    uint8_t region;
    uint8_t village;
} town_t;

static const town_t towns[] = {
    {"Yerevan|Erevan", "Ереван", "Երևան", R_ER, 0},
    {"Abovyan", "Абовян", "Աբովյան", R_KT, 0},
    {"Hrazdan|Razdan", "Раздан", "Հրազդան", R_KT, 0},
    {"Charentsavan", "Чаренцаван", "Չարենցավան", R_KT, 0},
    {"Tsaghkadzor|Tsakhkadzor", "Цахкадзор", "Ծաղկաձոր", R_KT, 0},
    {"Artashat", "Арташат", "Արտաշատ", R_AR, 0},
    {"Masis", "Масис", "Մասիս", R_AR, 0},
    {"Aygavan|Aigavan", "Айгаван", "Այգավան", R_AR, 1},
    {"Dalar", "Далар", "Դալար", R_AR, 1},
    {"Vagharshapat|Ejmiatsin|Echmiadzin", "Вагаршапат", "Վաղարշապատ", R_AV, 0},
    {"Armavir", "Армавир", "Արմավիր", R_AV, 0},
    {"Musaler", "Мусалер", "Մուսալեռ", R_AV, 1},
    {"Aknalich", "Акналич", "Ակնալիճ", R_AV, 1},
    {"Gyumri|Giumri", "Гюмри", "Գյումրի", R_SH, 0},
    {"Artik", "Артик", "Արթիկ", R_SH, 0},
    {"Vanadzor", "Ванадзор", "Վանաձոր", R_LO, 0},
    {"Alaverdi", "Алаверди", "Ալավերդի", R_LO, 0},
    {"Kapan|Ghapan", "Капан", "Կապան", R_SU, 0},
    {"Goris", "Горис", "Գորիս", R_SU, 0},
    {"Kajaran|Kadjaran", "Каджаран", "Քաջարան", R_SU, 0},
    {"Gavar", "Гавар", "Գավառ", R_GR, 0},
    {"Sevan", "Севан", "Սևան", R_GR, 0},
    {"Ashtarak", "Аштарак", "Աշտարակ", R_AG, 0},
    {"Aparan", "Апаран", "Ապարան", R_AG, 1},
    {"Ijevan", "Иджеван", "Իջևան", R_TV, 0},
    {"Dilijan", "Дилижан", "Դիլիջան", R_TV, 0},
    {"Yeghegnadzor|Egegnadzor", "Ехегнадзор", "Եղեգնաձոր", R_VD, 0},
    {"Jermuk", "Джермук", "Ջերմուկ", R_VD, 0},
};
#define NTOWN ((int)NELEM(towns))

typedef struct {
    const char *lat; /* as written in Latin: "Komitas" */
    const char *cyr; /* genitive as used after ул./пр.: "Комитаса" */
    const char *arm; /* as used before փողոց/պողոտա: "Կոմիտասի" */
    char type;       /* 'S' street, 'A' avenue */
} street_t;

static const street_t yerevan_streets[] = {
    {"Komitas", "Комитаса", "Կոմիտասի", 'A'},
    {"Mashtots", "Маштоца", "Մաշտոցի", 'A'},
    {"Tigran Mets", "Тиграна Меца", "Տիգրան Մեծի", 'A'},
    {"Baghramyan", "Баграмяна", "Բաղրամյան", 'A'},
    {"Arshakunyats", "Аршакуняц", "Արշակունյաց", 'A'},
    {"Tumanyan", "Туманяна", "Թումանյան", 'S'},
    {"Abovyan", "Абовяна", "Աբովյան", 'S'},
    {"Sayat-Nova", "Саят-Новы", "Սայաթ-Նովայի", 'A'},
    {"Isahakyan", "Исаакяна", "Իսահակյան", 'S'},
    {"Pushkin", "Пушкина", "Պուշկինի", 'S'},
    {"Nalbandyan", "Налбандяна", "Նալբանդյան", 'S'},
    {"Amiryan", "Амиряна", "Ամիրյան", 'S'},
    {"Teryan", "Теряна", "Տերյան", 'S'},
    {"Charents", "Чаренца", "Չարենցի", 'S'},
    {"Sebastia", "Себастии", "Սեբաստիայի", 'S'},
    {"Artsakh", "Арцаха", "Արցախի", 'A'},
    {"Halabyan", "Алабяна", "Հալաբյան", 'S'},
    {"Babajanyan", "Бабаджаняна", "Բաբաջանյան", 'S'},
    {"Kievyan", "Киевяна", "Կիևյան", 'S'},
    {"Vagharshyan", "Вагаршяна", "Վաղարշյան", 'S'},
    {"Azatutyan", "Азатутян", "Ազատության", 'A'},
    {"Davit Anhaght", "Давида Анахта", "Դավիթ Անհաղթի", 'S'},
    {"Raffi", "Раффи", "Րաֆֆու", 'S'},
    {"Margaryan", "Маргаряна", "Մարգարյան", 'S'},
    {"Hovsep Emin", "Овсепа Эмина", "Հովսեփ Էմինի", 'S'},
    {"Acharyan", "Ачаряна", "Աճառյան", 'S'},
    {"Gai", "Гая", "Գայի", 'A'},
    {"Erebuni", "Эребуни", "Էրեբունի", 'S'},
    {"Rubinyants", "Рубинянц", "Ռուբինյանց", 'S'},
    {"Shirak", "Ширака", "Շիրակի", 'S'},
    {"Vazgen Sargsyan", "Вазгена Саргсяна", "Վազգեն Սարգսյան", 'S'},
    {"Khanjyan", "Ханджяна", "Խանջյան", 'S'},
    {"Koryun", "Корюна", "Կորյունի", 'S'},
    {"Aram", "Арама", "Արամի", 'S'},
    {"Buzand", "Бузанда", "Բուզանդի", 'S'},
    {"Moskovyan", "Московяна", "Մոսկովյան", 'S'},
    {"Hrachya Kochar", "Грачья Кочара", "Հրաչյա Քոչարի", 'S'},
    {"Leningradyan", "Ленинградяна", "Լենինգրադյան", 'S'},
    {"Shinararneri", "Шинарарнери", "Շինարարների", 'S'},
    {"Nansen", "Нансена", "Նանսենի", 'S'},
    {"Admiral Isakov", "Адмирала Исакова", "Ադմիրալ Իսակովի", 'A'},
    {"Andranik", "Андраника", "Անդրանիկի", 'S'},
    {"Garegin Nzhdeh", "Гарегина Нжде", "Գարեգին Նժդեհի", 'S'},
    {"Myasnikyan", "Мясникяна", "Մյասնիկյան", 'A'},
};
#define NYSTREET ((int)NELEM(yerevan_streets))

static const street_t town_streets[] = {
    {"Mashtots", "Маштоца", "Մաշտոցի", 'A'},
    {"Tumanyan", "Туманяна", "Թումանյան", 'S'},
    {"Abovyan", "Абовяна", "Աբովյան", 'S'},
    {"Charents", "Чаренца", "Չարենցի", 'S'},
    {"Isahakyan", "Исаакяна", "Իսահակյան", 'S'},
    {"Garegin Nzhdeh", "Гарегина Нжде", "Գարեգին Նժդեհի", 'S'},
    {"Baghramyan", "Баграмяна", "Բաղրամյան", 'S'},
    {"Shahumyan", "Шаумяна", "Շահումյան", 'S'},
    {"Myasnikyan", "Мясникяна", "Մյասնիկյան", 'S'},
    {"Sayat-Nova", "Саят-Новы", "Սայաթ-Նովայի", 'S'},
    {"Andranik", "Андраника", "Անդրանիկի", 'S'},
    {"Komitas", "Комитаса", "Կոմիտասի", 'S'},
    {"Yerevanyan", "Ереванская", "Երևանյան", 'S'},
    {"Gortsaranayin", "Горцаранаин", "Գործարանային", 'S'},
};
#define NTSTREET ((int)NELEM(town_streets))

enum { UNIT_NONE, UNIT_APT, UNIT_OFFICE, UNIT_DORM, UNIT_FLOOR };

typedef struct {
    uint8_t town;
    uint8_t street; /* index into yerevan_streets / town_streets; village: street no. */
    uint8_t unit;
    uint16_t house;
    uint16_t flat;
} place_t;

static const street_t *place_street(const place_t *p)
{
    if (p->town == 0)
        return &yerevan_streets[p->street % NYSTREET];
    return &town_streets[p->street % NTSTREET];
}

/* ---- rendering: addresses ------------------------------------------------- */

enum { AS_EN_SHORT, AS_EN_LONG, AS_ARM_LAT, AS_RU_LAT, AS_CYR, AS_ARM, AS_CAPS,
       AS_NUM_FIRST, NSTYLE };

static const uint16_t style_w[NSTYLE] = {40, 14, 10, 8, 10, 5, 6, 7};

static void sb_part(sb_t *s, const char *list, unsigned k)
{
    const char *p;
    size_t n;
    part_of(list, strlen(list), k, &p, &n);
    sb_add(s, p, n);
}

static void sb_upper_ascii(sb_t *s, const char *x)
{
    for (; *x; x++) {
        char c = *x;
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        sb_addc(s, c);
    }
}

/* Writes one spelling of place `p`. The small choices (st. or str., apt or
 * flat) come from `r`, so the same place reads differently across rows. */
static void render_place(const place_t *p, int style, rng_t *r, sb_t *s)
{
    const town_t *t = &towns[p->town % NTOWN];
    unsigned tv = rng_chance(r, 0.85) ? 0 : rng_below(r, 3);
    int ave;
    const street_t *st;

    if (t->village) {
        switch (style % 5) {
        case 0:
            sb_part(s, t->lat, tv);
            sb_adds(s, " village, ");
            sb_addu(s, p->street, 0);
            sb_adds(s, rng_chance(r, 0.5) ? " street, house " : " st. ");
            sb_addu(s, p->house, 0);
            break;
        case 1:
            sb_adds(s, "v. ");
            sb_part(s, t->lat, tv);
            sb_adds(s, ", ");
            sb_addu(s, p->street, 0);
            sb_adds(s, p->street == 1   ? "st"
                       : p->street == 2 ? "nd"
                       : p->street == 3 ? "rd"
                                        : "th");
            sb_adds(s, " street ");
            sb_addu(s, p->house, 0);
            break;
        case 2:
            sb_adds(s, "с. ");
            sb_adds(s, t->cyr);
            sb_adds(s, ", ");
            sb_addu(s, p->street, 0);
            sb_adds(s, "-я улица, д. ");
            sb_addu(s, p->house, 0);
            break;
        case 3:
            sb_adds(s, t->arm);
            sb_adds(s, " գյուղ, ");
            sb_addu(s, p->street, 0);
            sb_adds(s, "-րդ փողոց, տուն ");
            sb_addu(s, p->house, 0);
            break;
        default: {
            const char *q;
            size_t n;
            char tmp[64];
            part_of(t->lat, strlen(t->lat), tv, &q, &n);
            if (n >= sizeof(tmp))
                n = sizeof(tmp) - 1;
            memcpy(tmp, q, n);
            tmp[n] = '\0';
            sb_upper_ascii(s, tmp);
            sb_adds(s, " VILLAGE ");
            sb_addu(s, p->street, 0);
            sb_adds(s, " ST ");
            sb_addu(s, p->house, 0);
            break;
        }
        }
        return;
    }

    st = place_street(p);
    ave = st->type == 'A';
    switch (style) {
    case AS_EN_SHORT:
        sb_adds(s, st->lat);
        sb_addc(s, ' ');
        sb_part(s, ave ? "ave.|ave|av." : "st.|str.|st", rng_below(r, 3));
        sb_addc(s, ' ');
        sb_addu(s, p->house, 0);
        if (p->unit == UNIT_APT) {
            sb_part(s, ", apt |, apt. |, flat |, app. ", rng_below(r, 4));
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_OFFICE) {
            sb_part(s, ", office |, of. |, suite ", rng_below(r, 3));
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_DORM) {
            sb_adds(s, ", dormitory ");
            sb_addu(s, p->flat, 0);
        }
        if (rng_chance(r, 0.7)) {
            sb_adds(s, ", ");
            sb_part(s, t->lat, tv);
        }
        break;
    case AS_EN_LONG:
        sb_part(s, t->lat, tv);
        sb_adds(s, ", ");
        sb_adds(s, st->lat);
        sb_adds(s, ave ? " avenue " : " street ");
        sb_addu(s, p->house, 0);
        if (p->unit == UNIT_APT) {
            sb_part(s, " flat | apartment | apt ", rng_below(r, 3));
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_OFFICE) {
            sb_adds(s, " office ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_DORM) {
            sb_adds(s, ", dormitory no. ");
            sb_addu(s, p->flat, 0);
        }
        break;
    case AS_ARM_LAT:
        sb_adds(s, st->lat);
        sb_adds(s, ave ? " poghota " : " poghots ");
        sb_addu(s, p->house, 0);
        if (p->unit == UNIT_APT) {
            sb_part(s, " bn. | bn ", rng_below(r, 2));
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_OFFICE) {
            sb_adds(s, " grasenyak ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_DORM) {
            sb_adds(s, " hanrakatsaran ");
            sb_addu(s, p->flat, 0);
        }
        if (rng_chance(r, 0.4)) {
            sb_adds(s, ", ");
            sb_part(s, t->lat, tv);
        }
        break;
    case AS_RU_LAT:
        sb_part(s, t->lat, 1);
        sb_adds(s, ", ");
        sb_part(s, ave ? "pr. |prospekt |pr-t " : "ul. |ulitsa |ul ", rng_below(r, 3));
        sb_adds(s, st->lat);
        sb_addc(s, ' ');
        sb_addu(s, p->house, 0);
        if (p->unit == UNIT_APT) {
            sb_part(s, ", kv. | kv ", rng_below(r, 2));
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_OFFICE) {
            sb_adds(s, ", of. ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_DORM) {
            sb_adds(s, ", obshchezhitie ");
            sb_addu(s, p->flat, 0);
        }
        break;
    case AS_CYR:
        if (p->town != 0 || rng_chance(r, 0.4)) {
            sb_adds(s, "г. ");
            sb_adds(s, t->cyr);
            sb_adds(s, ", ");
        }
        sb_adds(s, ave ? "пр. " : "ул. ");
        sb_adds(s, st->cyr);
        sb_addc(s, ' ');
        sb_addu(s, p->house, 0);
        if (p->unit == UNIT_APT) {
            sb_adds(s, ", кв. ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_OFFICE) {
            sb_adds(s, ", оф. ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_DORM) {
            sb_adds(s, ", общежитие ");
            sb_addu(s, p->flat, 0);
        }
        break;
    case AS_ARM:
        sb_adds(s, t->arm);
        sb_adds(s, ", ");
        sb_adds(s, st->arm);
        sb_adds(s, ave ? " պողոտա " : " փողոց ");
        sb_addu(s, p->house, 0);
        if (p->unit == UNIT_APT) {
            sb_adds(s, ", բն. ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_OFFICE) {
            sb_adds(s, ", գրասենյակ ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_DORM) {
            sb_adds(s, ", հանրակացարան ");
            sb_addu(s, p->flat, 0);
        }
        break;
    case AS_CAPS:
        sb_upper_ascii(s, st->lat);
        sb_adds(s, ave ? " AVE " : " STR ");
        sb_addu(s, p->house, 0);
        if (p->unit == UNIT_APT) {
            sb_addc(s, rng_chance(r, 0.5) ? '-' : '/');
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_OFFICE) {
            sb_adds(s, " OFFICE ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_DORM) {
            sb_adds(s, " DORMITORY ");
            sb_addu(s, p->flat, 0);
        }
        if (rng_chance(r, 0.5)) {
            const char *q;
            size_t n;
            char tmp[64];
            part_of(t->lat, strlen(t->lat), 0, &q, &n);
            if (n >= sizeof(tmp))
                n = sizeof(tmp) - 1;
            memcpy(tmp, q, n);
            tmp[n] = '\0';
            sb_adds(s, ", ");
            sb_upper_ascii(s, tmp);
        }
        break;
    default: /* AS_NUM_FIRST */
        sb_addu(s, p->house, 0);
        sb_addc(s, ' ');
        sb_adds(s, st->lat);
        sb_adds(s, ave ? " Ave." : " Street");
        if (p->unit == UNIT_APT) {
            sb_adds(s, ", Apt. ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_OFFICE) {
            sb_adds(s, ", Office ");
            sb_addu(s, p->flat, 0);
        } else if (p->unit == UNIT_DORM) {
            sb_adds(s, ", Dormitory ");
            sb_addu(s, p->flat, 0);
        }
        sb_adds(s, ", ");
        sb_part(s, t->lat, tv);
        break;
    }
}

static int pick_style(rng_t *r)
{
    return (int)pick_w(r, style_w, NSTYLE);
}

/* ---- rendering: names ----------------------------------------------------- */

/* seg 0: Latin variants, 1: Cyrillic, 2: Armenian. n = 0 when absent. */
static void entry_seg(const char *e, int seg, const char **p, size_t *n)
{
    const char *start = e, *q;
    int i;
    for (i = 0; i < seg; i++) {
        q = strchr(start, '=');
        if (!q) {
            *p = e;
            *n = 0;
            return;
        }
        start = q + 1;
    }
    q = strchr(start, '=');
    *p = start;
    *n = q ? (size_t)(q - start) : strlen(start);
}

static int ends_with(const char *p, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && memcmp(p + n - k, suf, k) == 0;
}

/* Appends a family name in its feminine form where the language has one. */
static void sb_family(sb_t *s, const char *p, size_t n, int feminine)
{
    if (!feminine) {
        sb_add(s, p, n);
        return;
    }
    if (ends_with(p, n, "ский")) {
        sb_add(s, p, n - strlen("ий"));
        sb_adds(s, "ая");
    } else if (ends_with(p, n, "ов") || ends_with(p, n, "ев") || ends_with(p, n, "ёв") ||
               ends_with(p, n, "ин") || ends_with(p, n, "ын")) {
        sb_add(s, p, n);
        sb_adds(s, "а");
    } else if (ends_with(p, n, "skiy") || ends_with(p, n, "skii")) {
        sb_add(s, p, n - 2);
        sb_adds(s, "aya");
    } else if (ends_with(p, n, "sky")) {
        sb_add(s, p, n - 1);
        sb_adds(s, "aya");
    } else if (ends_with(p, n, "ov") || ends_with(p, n, "ev") || ends_with(p, n, "in") ||
               ends_with(p, n, "yn")) {
        sb_add(s, p, n);
        sb_addc(s, 'a');
    } else {
        sb_add(s, p, n);
    }
}

/* Decodes one UTF-8 sequence (input is our own valid tables). */
static uint32_t utf8_next(const char **pp, const char *end)
{
    const unsigned char *p = (const unsigned char *)*pp;
    uint32_t c = p[0];
    int k = 0;
    if (c >= 0xF0) {
        c &= 0x07;
        k = 3;
    } else if (c >= 0xE0) {
        c &= 0x0F;
        k = 2;
    } else if (c >= 0xC0) {
        c &= 0x1F;
        k = 1;
    }
    p++;
    while (k-- > 0 && (const char *)p < end)
        c = (c << 6) | (*p++ & 0x3F);
    *pp = (const char *)p;
    return c;
}

/* ICAO 9303 transliteration of Russian Cyrillic, lower-case index а..я. */
static const char *const icao_ru[32] = {
    "A", "B", "V", "G", "D", "E", "ZH", "Z", "I", "I", "K", "L", "M", "N", "O", "P",
    "R", "S", "T", "U", "F", "KH", "TS", "CH", "SH", "SHCH", "IE", "Y", "", "E", "IU", "IA"};

/* Upper-case ASCII for a machine-readable-zone style name. */
static void sb_mrz(sb_t *s, const char *p, size_t n, int cyr_mode)
{
    const char *end = p + n;
    int word_start = 1;
    while (p < end) {
        unsigned char b = (unsigned char)*p;
        if (b < 0x80) {
            p++;
            if (b >= 'a' && b <= 'z')
                sb_addc(s, (char)(b - 'a' + 'A'));
            else if ((b >= 'A' && b <= 'Z') || b == ' ')
                sb_addc(s, (char)b);
            else if (b == '-')
                sb_addc(s, ' ');
            word_start = b == ' ' || b == '-';
            continue;
        } else {
            uint32_t c = utf8_next(&p, end);
            const char *o = "";
            if (c >= 0x410 && c <= 0x42F)
                c += 0x20;
            if (c == 0x401)
                c = 0x451;
            if (c == 0x404 || c == 0x406 || c == 0x407 || c == 0x490)
                c += (c == 0x490) ? 1 : 0x50;
            if (c >= 0x430 && c <= 0x44F) {
                o = icao_ru[c - 0x430];
                if (cyr_mode == CYR_UA) {
                    if (c == 0x433)
                        o = "H";
                    else if (c == 0x438)
                        o = "Y";
                    else if (word_start && c == 0x439)
                        o = "Y";
                    else if (word_start && c == 0x44E)
                        o = "YU";
                    else if (word_start && c == 0x44F)
                        o = "YA";
                    else if (c == 0x44C)
                        o = "";
                }
            } else if (c == 0x451) {
                o = "E";
            } else if (c == 0x454) {
                o = word_start ? "YE" : "IE";
            } else if (c == 0x456) {
                o = "I";
            } else if (c == 0x457) {
                o = word_start ? "YI" : "I";
            } else if (c == 0x491) {
                o = "G";
            } else if (c == 0xE0 || c == 0xE1 || c == 0xE2 || c == 0xE4) {
                o = "A";
            } else if (c == 0xE7 || c == 0xC7) {
                o = "C";
            } else if ((c >= 0xE8 && c <= 0xEB) || c == 0xC9) {
                o = "E";
            } else if ((c >= 0xEC && c <= 0xEF) || c == 0x131 || c == 0x130) {
                o = "I";
            } else if (c == 0xF6 || c == 0xF4 || c == 0xD6) {
                o = "O";
            } else if (c == 0xFC || c == 0xFB || c == 0xDC) {
                o = "U";
            } else if (c == 0x15F || c == 0x15E) {
                o = "S";
            } else if (c == 0x11F || c == 0x11E) {
                o = "G";
            }
            sb_adds(s, o);
            word_start = 0;
        }
    }
}

/* Title case of ASCII text ("DE SILVA" -> "De Silva"). */
static void title_case(char *x)
{
    int start = 1;
    for (; *x; x++) {
        char c = *x;
        if (c >= 'A' && c <= 'Z' && !start)
            *x = (char)(c - 'A' + 'a');
        else if (c >= 'a' && c <= 'z' && start)
            *x = (char)(c - 'a' + 'A');
        start = c == ' ' || c == '-' || c == '\'';
    }
}

/* ---- people ----------------------------------------------------------------- */

enum { SCR_LATIN, SCR_CYR, SCR_ARM, SCR_MRZ_TITLE, SCR_MRZ_CAPS };

typedef struct {
    uint8_t nat;
    char sex;        /* 'F', 'M', 'X' */
    uint8_t script;  /* how the permit writes the name */
    uint8_t fam_var, giv_var;   /* Latin variants in permits */
    uint8_t pfam_var, pgiv_var; /* Latin variants in the passport */
    uint8_t docstyle;
    const char *fam, *giv;      /* name table entries */
    uint8_t fam_gendered;
    int32_t birth;
    char doc[20];    /* canonical: upper-case letters and digits */
    char phone[40];  /* as written in permits, "" when none */
    char email[80];
    char home[TXT];  /* residence as written, "" when none */
    int home_region; /* -1 when not given */
} person_t;

/* The name as the passport's machine-readable zone has it. */
static void name_passport(const person_t *w, int family, sb_t *s)
{
    const char *e = family ? w->fam : w->giv, *p;
    size_t n;
    int fem = family && w->fam_gendered && w->sex == 'F';
    char tmp[TXT];
    sb_t t;

    sb_init(&t, tmp, sizeof(tmp));
    entry_seg(e, 1, &p, &n);
    if (nats[w->nat].cyr != CYR_NONE && n > 0) {
        sb_family(&t, p, n, fem);
        sb_mrz(s, t.p, t.n, nats[w->nat].cyr);
        return;
    }
    entry_seg(e, 0, &p, &n);
    part_of(p, n, family ? w->pfam_var : w->pgiv_var, &p, &n);
    sb_family(&t, p, n, fem);
    sb_mrz(s, t.p, t.n, CYR_NONE);
}

/* The name as the permit application has it. */
static void name_permit(const person_t *w, int family, sb_t *s)
{
    const char *e = family ? w->fam : w->giv, *p;
    size_t n;
    int fem = family && w->fam_gendered && w->sex == 'F';
    int script = w->script;

    if (script == SCR_CYR) {
        entry_seg(e, 1, &p, &n);
        if (n > 0) {
            sb_family(s, p, n, fem);
            return;
        }
        script = SCR_LATIN;
    }
    if (script == SCR_ARM) {
        entry_seg(e, 2, &p, &n);
        if (n > 0) {
            sb_add(s, p, n);
            return;
        }
        script = SCR_LATIN;
    }
    if (script == SCR_MRZ_TITLE || script == SCR_MRZ_CAPS) {
        char tmp[TXT];
        sb_t t;
        sb_init(&t, tmp, sizeof(tmp));
        name_passport(w, family, &t);
        if (script == SCR_MRZ_TITLE)
            title_case(tmp);
        sb_adds(s, tmp);
        return;
    }
    entry_seg(e, 0, &p, &n);
    part_of(p, n, family ? w->fam_var : w->giv_var, &p, &n);
    sb_family(s, p, n, fem);
}

/* ---- output files and records ------------------------------------------ */

enum { F_PERMITS, F_BORDER, F_INSPECT, F_REPORTS, F_OUTCOMES, F_TRUTH, F_BAD, F_MANIFEST,
       NFILES };
static const char *const file_names[NFILES] = {
    "permits.csv", "border_crossings.csv", "inspections.csv", "reports.csv",
    "outcomes.csv", "truth.csv", "bad_rows.csv", "manifest.csv"};

enum {
    P_APPLICATION_ID, P_SUBMITTED_AT, P_DECISION, P_DECIDED_AT, P_PERMIT_NO, P_VALID_FROM,
    P_VALID_TO, P_PREVIOUS_APPLICATION_ID, P_WORKER_DOC_NO, P_WORKER_DOC_COUNTRY,
    P_WORKER_FAMILY_NAME, P_WORKER_GIVEN_NAME, P_WORKER_SEX, P_WORKER_BIRTH_DATE,
    P_WORKER_CITIZENSHIP, P_WORKER_PHONE, P_WORKER_EMAIL, P_WORKER_ADDRESS,
    P_WORKER_REGION, P_EMPLOYER_TIN, P_EMPLOYER_NAME, P_EMPLOYER_SECTOR,
    P_EMPLOYER_REGISTERED_ON, P_EMPLOYER_DECLARED_EMPLOYEES, P_WORKPLACE_ADDRESS,
    P_WORKPLACE_REGION, P_OCCUPATION_ISCO, P_POSITION_TITLE, P_MONTHLY_SALARY_AMD,
    P_WEEKLY_HOURS, P_CONTRACT_START, P_CONTRACT_END, P_INTERMEDIARY_ID,
    P_INTERMEDIARY_NAME, P_SUBMITTED_BY, P_NCOLS
};
static const char *const permit_cols[P_NCOLS] = {
    "application_id", "submitted_at", "decision", "decided_at", "permit_no", "valid_from",
    "valid_to", "previous_application_id", "worker_doc_no", "worker_doc_country",
    "worker_family_name", "worker_given_name", "worker_sex", "worker_birth_date",
    "worker_citizenship", "worker_phone", "worker_email", "worker_address",
    "worker_region", "employer_tin", "employer_name", "employer_sector",
    "employer_registered_on", "employer_declared_employees", "workplace_address",
    "workplace_region", "occupation_isco", "position_title", "monthly_salary_amd",
    "weekly_hours", "contract_start", "contract_end", "intermediary_id",
    "intermediary_name", "submitted_by"};

enum { B_CROSSING_ID, B_CROSSED_AT, B_DIRECTION, B_CROSSING_POINT, B_DOC_NO, B_DOC_COUNTRY,
       B_FAMILY_NAME, B_GIVEN_NAME, B_SEX, B_BIRTH_DATE, B_CITIZENSHIP, B_PURPOSE,
       B_NCOLS };
static const char *const border_cols[B_NCOLS] = {
    "crossing_id", "crossed_at", "direction", "crossing_point", "doc_no", "doc_country",
    "family_name", "given_name", "sex", "birth_date", "citizenship", "purpose"};

enum { I_INSPECTION_ID, I_EMPLOYER_TIN, I_INSPECTED_ON, I_WORKERS_FOUND,
       I_UNDECLARED_WORKERS, I_VIOLATIONS, I_NCOLS };
static const char *const insp_cols[I_NCOLS] = {"inspection_id", "employer_tin",
                                               "inspected_on", "workers_found",
                                               "undeclared_workers", "violations"};

enum { R_REPORT_ID, R_RECEIVED_AT, R_CHANNEL, R_SUBJECT_NAME, R_SUBJECT_BIRTH_DATE,
       R_SUBJECT_CITIZENSHIP, R_EMPLOYER_TIN, R_EMPLOYER_NAME, R_ADDRESS, R_PHONE,
       R_CATEGORY, R_SUMMARY, R_NCOLS };
static const char *const report_cols[R_NCOLS] = {
    "report_id", "received_at", "channel", "subject_name", "subject_birth_date",
    "subject_citizenship", "employer_tin", "employer_name", "address", "phone",
    "category", "summary"};

enum { O_ENTITY_TYPE, O_ENTITY_KEY, O_OUTCOME, O_DECIDED_ON, O_NCOLS };
static const char *const outcome_cols[O_NCOLS] = {"entity_type", "entity_key", "outcome",
                                                  "decided_on"};
static const char *const truth_cols[] = {"scheme_id", "typology", "entity_type", "entity_key",
                                         "role"};
static const char *const bad_cols[] = {"file", "line", "column", "reason"};
static const char *const manifest_cols[] = {"file", "rows", "bad_rows"};

static const char *const *const file_cols[NFILES] = {
    permit_cols, border_cols, insp_cols, report_cols, outcome_cols, truth_cols, bad_cols,
    manifest_cols};
static const int file_ncols[NFILES] = {P_NCOLS, B_NCOLS, I_NCOLS, R_NCOLS, O_NCOLS, 5, 4, 3};

/* The rules a bad row breaks; the reason column of bad_rows.csv starts with
 * the rule's name. */
enum { BR_REQUIRED, BR_DATE, BR_TIMESTAMP, BR_COUNTRY, BR_REGION, BR_ENUM, BR_UINT,
       BR_TIN, BR_ISIC, BR_ISCO, BR_ID, BR_UTF8 };
static const char *const rule_names[] = {
    "required_empty", "bad_date", "bad_timestamp", "bad_country", "bad_region", "bad_enum",
    "bad_uint", "bad_tin", "bad_isic", "bad_isco", "bad_id", "bad_utf8"};

typedef struct {
    uint8_t rule;
    uint8_t col;
} badkind_t;

static const badkind_t bad_permits[] = {
    {BR_REQUIRED, P_WORKER_DOC_NO},   {BR_DATE, P_WORKER_BIRTH_DATE},
    {BR_TIMESTAMP, P_SUBMITTED_AT},   {BR_COUNTRY, P_WORKER_CITIZENSHIP},
    {BR_REGION, P_WORKPLACE_REGION},  {BR_ENUM, P_WORKER_SEX},
    {BR_UINT, P_MONTHLY_SALARY_AMD},  {BR_TIN, P_EMPLOYER_TIN},
    {BR_ISIC, P_EMPLOYER_SECTOR},     {BR_ISCO, P_OCCUPATION_ISCO},
};
static const badkind_t bad_border[] = {
    {BR_ID, B_CROSSING_ID},   {BR_TIMESTAMP, B_CROSSED_AT}, {BR_ENUM, B_DIRECTION},
    {BR_REQUIRED, B_DOC_NO},  {BR_DATE, B_BIRTH_DATE},      {BR_COUNTRY, B_DOC_COUNTRY},
    {BR_UTF8, B_FAMILY_NAME}, {BR_ENUM, B_SEX},
};
static const badkind_t bad_insp[] = {
    {BR_ID, I_INSPECTION_ID},   {BR_TIN, I_EMPLOYER_TIN},
    {BR_DATE, I_INSPECTED_ON},  {BR_UINT, I_WORKERS_FOUND},
    {BR_ENUM, I_VIOLATIONS},    {BR_UINT, I_UNDECLARED_WORKERS},
};
static const badkind_t bad_reports[] = {
    {BR_ID, R_REPORT_ID},       {BR_TIMESTAMP, R_RECEIVED_AT},
    {BR_ENUM, R_CHANNEL},       {BR_ENUM, R_CATEGORY},
    {BR_DATE, R_SUBJECT_BIRTH_DATE}, {BR_COUNTRY, R_SUBJECT_CITIZENSHIP},
    {BR_TIN, R_EMPLOYER_TIN},   {BR_UTF8, R_SUMMARY},
};
static const badkind_t bad_outcomes[] = {
    {BR_ENUM, O_ENTITY_TYPE}, {BR_ENUM, O_OUTCOME}, {BR_DATE, O_DECIDED_ON},
    {BR_REQUIRED, O_ENTITY_KEY},
};
static const badkind_t *const file_bad[NFILES] = {bad_permits, bad_border, bad_insp,
                                                  bad_reports, bad_outcomes, NULL, NULL,
                                                  NULL};
static const unsigned file_nbad[NFILES] = {NELEM(bad_permits), NELEM(bad_border),
                                           NELEM(bad_insp), NELEM(bad_reports),
                                           NELEM(bad_outcomes), 0, 0, 0};

typedef struct {
    FILE *fp;
    char *iobuf;
    uint64_t rows;     /* data rows written */
    uint64_t bad;      /* of those, made bad */
    uint64_t next_bad; /* row index of the next bad row */
    char path[PATH_MAX];
    char tmp[PATH_MAX];
} outfile_t;

typedef struct {
    char pool[REC_POOL];
    size_t used;
    const char *f[REC_MAXF];
    size_t len[REC_MAXF];
    int nf;
    int overflow;
} rec_t;

/* ---- pools -------------------------------------------------------------------- */

enum { EF_SCHEME = 1, EF_NOLABEL = 2, EF_HOUSEHOLD = 4 };

typedef struct {
    char tin[12];
    char name[96];
    place_t place;
    int32_t registered; /* 0: not given */
    uint32_t declared;  /* 0: not given */
    uint32_t account;
    uint32_t seed;      /* fixes the usual spelling of the workplace address */
    int32_t agency;     /* -1: none */
    uint16_t wage_pm;   /* pay level against peers, per mille */
    uint8_t sector;
    uint8_t dom_nat;
    uint8_t wp_style;
    uint8_t agency_pct;
    uint8_t flags;
} employer_t;

typedef struct {
    char id[12];
    char name[96];
    char phone[24];
    uint32_t account;
} agency_t;

enum {
    U_BG, U_DEBT, U_SEX, U_DOMESTIC, U_SHELL, U_AGRI, /* planted */
    U_L_DORM, U_L_IT, U_L_COUPLE, U_L_FAMREST, U_L_NANNY, U_L_AGENCY, NUNITKIND
};
static const char *const unit_typology[NUNITKIND] = {
    "", "debt_bondage", "sexual_exploitation", "domestic_servitude", "shell_employer",
    "seasonal_agriculture", "dormitory", "it_long_hours", "couple_shared_phone",
    "family_restaurant", "live_in_nanny", "large_agency"};

typedef struct {
    uint32_t quota; /* permit rows this unit writes */
    int32_t emp;    /* pool employer, or -1 */
    uint32_t no;    /* stream number for its random numbers */
    uint8_t kind;
} unit_t;

#define NDAYS 2200 /* 2021-01-01 .. 2026-12-31 */
#define NYEARS 8   /* 2020 .. 2027 */
#define MAXGROUP 160

/* A keyed permutation of [0, m): a 4-round Feistel network on the smallest
 * even number of bits holding m, cycle-walked back into range. Counters go
 * in, scattered unique numbers come out. */
typedef struct {
    uint64_t m;
    unsigned half;
    uint64_t key[4];
} perm_t;

/* Where a person is as far as the border register knows. */
typedef struct {
    int inside;
    int32_t last_day, last_sec;
} bstate_t;

/* One worker of a planted scheme, kept while the scheme is generated. */
typedef struct {
    person_t w;
    bstate_t bs;
    char app[24]; /* latest application id */
    int32_t vfrom, vto;
    int dec;      /* its decision; -1 returner, -2 new (before the first row) */
    int occ;
    uint32_t salary;
    int hours;
} member_t;

typedef struct {
    const synth_opts_t *opts;
    tw_errinfo_t *ei;
    tw_err_t err;
    uint64_t seed;
    double bad_rate;
    outfile_t out[NFILES];
    char line[LINE_CAP];
    rec_t rec;

    employer_t *emp;
    uint32_t nemp;
    uint32_t sec_first[NSEC], sec_count[NSEC];
    agency_t *ag;
    uint32_t nag;
    uint32_t ag_total_w;
    unit_t *units;
    uint32_t nunits;

    int32_t d0, d_start, d_end, d_border0;
    uint32_t app_ctr[NDAYS], cross_ctr[NDAYS];
    uint32_t permit_ctr[NYEARS], insp_ctr[NYEARS], rep_ctr[NYEARS];
    uint64_t tin_ctr, acct_ctr, amph_ctr, doc_ctr[NNAT], fph_ctr[NNAT];
    perm_t tin_map, acct_map, amph_map, doc_map[NNAT], fph_map[NNAT];
    uint32_t nat_given_sec[NSEC][NNAT]; /* weight of nationality given sector */
    uint32_t tourist_w[NNAT];
    uint32_t scheme_no, look_no;
    uint64_t planted, schemes;
    uint64_t big_agency_apps; /* rows through the large legitimate agency */
    member_t group[MAXGROUP]; /* scheme scratch: the workers of one scheme */
} ctx_t;

static void set_err(ctx_t *c, tw_err_t err, const char *what, const char *path)
{
    if (c->err != TW_OK)
        return;
    c->err = err;
    tw_errinfo_set(c->ei, err, "%s %s: %s", what, path, errno ? strerror(errno) : "failed");
    if (c->ei)
        snprintf(c->ei->file, sizeof(c->ei->file), "%s", path);
}

static uint64_t perm_apply(const perm_t *p, uint64_t x)
{
    uint64_t mask = ((uint64_t)1 << p->half) - 1;
    x %= p->m;
    do {
        uint64_t L = x >> p->half, R = x & mask;
        int i;
        for (i = 0; i < 4; i++) {
            uint64_t f = (R ^ p->key[i]) * 0x9e3779b97f4a7c15ULL;
            uint64_t nl = R;
            f ^= f >> 29;
            R = (L ^ f) & mask;
            L = nl;
        }
        x = (L << p->half) | R;
    } while (x >= p->m);
    return x;
}

static void perm_init(perm_t *p, rng_t *r, uint64_t m)
{
    unsigned bits = 2;
    int i;
    while (((uint64_t)1 << bits) < m)
        bits++;
    if (bits & 1)
        bits++;
    p->m = m;
    p->half = bits / 2;
    for (i = 0; i < 4; i++)
        p->key[i] = rng_u64(r);
}

static uint32_t pick_w32(rng_t *r, const uint32_t *w, size_t n)
{
    uint64_t total = 0, x;
    size_t i;
    for (i = 0; i < n; i++)
        total += w[i];
    if (total == 0)
        return 0;
    x = rng_u64(r) % total;
    for (i = 0; i < n; i++) {
        if (x < w[i])
            return (uint32_t)i;
        x -= w[i];
    }
    return 0;
}

/* ---- records -------------------------------------------------------------- */

static void rec_begin(rec_t *r, int nf)
{
    int i;
    r->used = 0;
    r->nf = nf;
    r->overflow = 0;
    for (i = 0; i < nf; i++) {
        r->f[i] = "";
        r->len[i] = 0;
    }
}

static void fld_begin(rec_t *r, sb_t *s)
{
    static char dummy[1];
    if (r->used + 2 >= REC_POOL) {
        r->overflow = 1;
        sb_init(s, dummy, 1);
        return;
    }
    sb_init(s, r->pool + r->used, REC_POOL - r->used);
}

static void fld_end(rec_t *r, int i, sb_t *s)
{
    if (s->over)
        r->overflow = 1;
    if (s->cap <= 1)
        return;
    r->f[i] = s->p;
    r->len[i] = s->n;
    r->used += s->n + 1;
}

static void rec_set(rec_t *r, int i, const char *x, size_t n)
{
    sb_t s;
    fld_begin(r, &s);
    sb_add(&s, x, n);
    fld_end(r, i, &s);
}

static void rec_sets(rec_t *r, int i, const char *x)
{
    rec_set(r, i, x, strlen(x));
}

static void rec_setu(rec_t *r, int i, uint64_t v)
{
    sb_t s;
    fld_begin(r, &s);
    sb_addu(&s, v, 0);
    fld_end(r, i, &s);
}

static void rec_setdate(rec_t *r, int i, int32_t day)
{
    sb_t s;
    fld_begin(r, &s);
    sb_date(&s, day);
    fld_end(r, i, &s);
}

static void rec_setts(rec_t *r, int i, int32_t day, int32_t sec, int zone)
{
    sb_t s;
    fld_begin(r, &s);
    sb_ts(&s, day, sec, zone);
    fld_end(r, i, &s);
}

/* Writes the record as one CSV line, quoting only where RFC 4180 needs it. */
static void write_rec(ctx_t *c, int file, const rec_t *r)
{
    outfile_t *o = &c->out[file];
    char *L = c->line;
    size_t n = 0;
    int i;

    if (c->err != TW_OK)
        return;
    if (r->overflow) {
        c->err = tw_errinfo_set(c->ei, TW_EINTERNAL, "synth: a %s row overflowed its buffer",
                                file_names[file]);
        return;
    }
    for (i = 0; i < r->nf; i++) {
        const char *f = r->f[i];
        size_t len = r->len[i], j;
        int quote = 0;
        for (j = 0; j < len; j++) {
            char ch = f[j];
            if (ch == '\n' || ch == '\r') {
                c->err = tw_errinfo_set(c->ei, TW_EINTERNAL,
                                        "synth: a line break in %s column %d", file_names[file],
                                        i + 1);
                return;
            }
            if (ch == ',' || ch == '"')
                quote = 1;
        }
        if (i)
            L[n++] = ',';
        if (!quote) {
            memcpy(L + n, f, len);
            n += len;
        } else {
            L[n++] = '"';
            for (j = 0; j < len; j++) {
                if (f[j] == '"')
                    L[n++] = '"';
                L[n++] = f[j];
            }
            L[n++] = '"';
        }
    }
    L[n++] = '\n';
    if (fwrite(L, 1, n, o->fp) != n) {
        set_err(c, TW_EIO, "cannot write", o->tmp);
        return;
    }
    o->rows++;
}

static void write_header(ctx_t *c, int file)
{
    rec_t *r = &c->rec;
    int i;
    rec_begin(r, file_ncols[file]);
    for (i = 0; i < file_ncols[file]; i++)
        rec_sets(r, i, file_cols[file][i]);
    write_rec(c, file, r);
    c->out[file].rows = 0;
}

/* ---- bad rows ---------------------------------------------------------------- */

static int parse_date10(const char *s, size_t n, int *y, int *m, int *d)
{
    size_t i;
    if (n < 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    *m = (s[5] - '0') * 10 + (s[6] - '0');
    *d = (s[8] - '0') * 10 + (s[9] - '0');
    return 1;
}

static const char *enum_bad_values(int file, int col)
{
    if (file == F_PERMITS || (file == F_BORDER && col == B_SEX))
        return "male|female|W|unknown";
    if (file == F_BORDER)
        return "entry|exit|arrival|I";
    if (file == F_REPORTS && col == R_CHANNEL)
        return "phone|e-mail|walk-in|unknown";
    if (file == F_REPORTS)
        return "labour exploitation|trafficking|sexual|forced labour";
    if (file == F_INSPECT)
        return "wage_arrears;late_salary|wage arrears|documents_withheld;passport_kept|unpaid";
    if (col == O_ENTITY_TYPE)
        return "company|person|passport|agency";
    return "yes|true|victim|closed";
}

static uint64_t uint_max_of(int file, int col)
{
    if (file == F_PERMITS && col == P_MONTHLY_SALARY_AMD)
        return 100000000;
    if (file == F_PERMITS && col == P_WEEKLY_HOURS)
        return 168;
    if (file == F_PERMITS)
        return 10000000;
    return 1000000;
}

/* Replaces column k->col of the record with a value that breaks rule k->rule
 * and nothing else; the reason goes to `why`. */
static void mutate(ctx_t *c, rng_t *r, int file, const badkind_t *k, unsigned variant,
                   sb_t *why)
{
    rec_t *rec = &c->rec;
    const char *cur = rec->f[k->col];
    size_t n = rec->len[k->col];
    char v[TXT + 80];
    sb_t s;
    int y = 1990, m = 5, d = 12;

    sb_init(&s, v, sizeof(v));
    sb_adds(why, rule_names[k->rule]);
    sb_adds(why, ": ");
    switch (k->rule) {
    case BR_REQUIRED:
        sb_adds(why, "required field is empty");
        break;
    case BR_DATE:
        parse_date10(cur, n, &y, &m, &d);
        switch (variant % 6) {
        case 0:
            sb_addu(&s, (uint64_t)y, 4);
            sb_adds(&s, "-02-30");
            sb_adds(why, "not a real date (February 30)");
            break;
        case 1:
            sb_addu(&s, (uint64_t)d, 2);
            sb_addc(&s, '/');
            sb_addu(&s, (uint64_t)m, 2);
            sb_addc(&s, '/');
            sb_addu(&s, (uint64_t)y, 4);
            sb_adds(why, "not YYYY-MM-DD (DD/MM/YYYY)");
            break;
        case 2:
            sb_addu(&s, (uint64_t)y, 4);
            sb_adds(&s, "-13-");
            sb_addu(&s, (uint64_t)d, 2);
            sb_adds(why, "month 13");
            break;
        case 3:
            sb_addu(&s, (uint64_t)d, 2);
            sb_addc(&s, '.');
            sb_addu(&s, (uint64_t)m, 2);
            sb_addc(&s, '.');
            sb_addu(&s, (uint64_t)y, 4);
            sb_adds(why, "not YYYY-MM-DD (DD.MM.YYYY)");
            break;
        case 4:
            sb_addu(&s, (uint64_t)y, 4);
            sb_adds(&s, "-04-31");
            sb_adds(why, "not a real date (April 31)");
            break;
        default:
            sb_addu(&s, (uint64_t)y, 4);
            sb_addc(&s, '/');
            sb_addu(&s, (uint64_t)m, 2);
            sb_addc(&s, '/');
            sb_addu(&s, (uint64_t)d, 2);
            sb_adds(why, "not YYYY-MM-DD (YYYY/MM/DD)");
            break;
        }
        break;
    case BR_TIMESTAMP:
        if (n < 19)
            break;
        switch (variant % 4) {
        case 0:
            sb_add(&s, cur, 10);
            sb_addc(&s, ' ');
            sb_add(&s, cur + 11, n - 11);
            sb_adds(why, "space instead of T");
            break;
        case 1:
            sb_add(&s, cur + 8, 2);
            sb_addc(&s, '.');
            sb_add(&s, cur + 5, 2);
            sb_addc(&s, '.');
            sb_add(&s, cur, 4);
            sb_addc(&s, ' ');
            sb_add(&s, cur + 11, 5);
            sb_adds(why, "not ISO 8601 (DD.MM.YYYY HH:MM)");
            break;
        case 2:
            sb_add(&s, cur, 16);
            sb_adds(why, "seconds missing");
            break;
        default:
            sb_add(&s, cur, 5);
            sb_adds(&s, "02-30");
            sb_add(&s, cur + 10, n - 10);
            sb_adds(why, "not a real date (February 30)");
            break;
        }
        break;
    case BR_COUNTRY: {
        int i, found = -1;
        for (i = 0; i < NNAT; i++)
            if (n == 3 && memcmp(nats[i].iso, cur, 3) == 0)
                found = i;
        switch (variant % 3) {
        case 0:
            sb_adds(&s, found >= 0 ? nats[found].name_en : "Armenia");
            sb_adds(why, "a country name, not an ISO 3166-1 alpha-3 code");
            break;
        case 1:
            sb_adds(&s, "XXZ");
            sb_adds(why, "not an assigned ISO 3166-1 alpha-3 code");
            break;
        default:
            sb_add(&s, found >= 0 ? nats[found].iso : "AM", 2);
            sb_adds(why, "two letters, not an alpha-3 code");
            break;
        }
        break;
    }
    case BR_REGION:
        sb_part(&s, "Yerevan|AM-YR|AM-99|ER", variant);
        sb_adds(why, "not an ISO 3166-2:AM region code");
        break;
    case BR_ENUM:
        sb_part(&s, enum_bad_values(file, k->col), variant);
        sb_adds(why, "value outside the allowed list");
        break;
    case BR_UINT: {
        uint64_t x = 0, mx = uint_max_of(file, k->col);
        size_t i;
        for (i = 0; i < n && cur[i] >= '0' && cur[i] <= '9'; i++)
            x = x * 10 + (uint64_t)(cur[i] - '0');
        if (n == 0)
            x = 12;
        switch (variant % 4) {
        case 0:
            sb_addc(&s, '-');
            sb_addu(&s, x, 0);
            sb_adds(why, "negative");
            break;
        case 1:
            sb_addu(&s, mx + 1 + rng_below(r, 1000), 0);
            sb_adds(why, "above the maximum");
            break;
        case 2:
            sb_addu(&s, x, 0);
            sb_adds(&s, ".5");
            sb_adds(why, "not an integer");
            break;
        default:
            if (x >= 1000) {
                sb_addu(&s, x / 1000, 0);
                sb_addc(&s, ' ');
                sb_addu(&s, x % 1000, 3);
                sb_adds(why, "thousands separator");
            } else {
                sb_adds(&s, "n/a");
                sb_adds(why, "not a number");
            }
            break;
        }
        break;
    }
    case BR_TIN: {
        char t[9];
        if (n == 8) {
            memcpy(t, cur, 8);
        } else {
            unsigned i;
            for (i = 0; i < 8; i++)
                t[i] = (char)('0' + rng_below(r, 10));
        }
        t[8] = '\0';
        switch (variant % 4) {
        case 0:
            sb_add(&s, t, 7);
            sb_adds(why, "7 digits, not 8");
            break;
        case 1:
            sb_add(&s, t, 8);
            sb_addc(&s, (char)('0' + rng_below(r, 10)));
            sb_adds(why, "9 digits, not 8");
            break;
        case 2:
            sb_add(&s, t, 2);
            sb_addc(&s, '-');
            sb_add(&s, t + 2, 6);
            sb_adds(why, "a dash inside the number");
            break;
        default:
            sb_addc(&s, 'A');
            sb_add(&s, t + 1, 7);
            sb_adds(why, "a letter inside the number");
            break;
        }
        break;
    }
    case BR_ISIC:
        sb_part(&s, "04|99x|4|411|34", variant);
        sb_adds(why, "not an ISIC Rev.4 division");
        break;
    case BR_ISCO: {
        const char *base = n == 4 ? cur : "9313";
        switch (variant % 4) {
        case 0:
            sb_add(&s, base, 3);
            break;
        case 1:
            sb_add(&s, base, 4);
            sb_addc(&s, '0');
            break;
        case 2:
            sb_add(&s, base, 1);
            sb_addc(&s, 'X');
            sb_add(&s, base + 2, 2);
            break;
        default:
            sb_add(&s, base, 2);
            sb_addc(&s, ' ');
            sb_add(&s, base + 2, 2);
            break;
        }
        sb_adds(why, "not a 4-digit ISCO-08 unit group");
        break;
    }
    case BR_ID: {
        const char *dash = memchr(cur, '-', n);
        size_t at = dash ? (size_t)(dash - cur) : n / 2;
        switch (variant % 3) {
        case 0:
        case 1:
            sb_add(&s, cur, at);
            sb_addc(&s, variant % 3 == 0 ? ' ' : ',');
            if (at < n)
                sb_add(&s, cur + at + 1, n - at - 1);
            sb_adds(why, variant % 3 == 0 ? "a space inside the id" : "a comma inside the id");
            break;
        default:
            sb_add(&s, cur, n);
            while (s.n <= 70)
                sb_adds(&s, "-CORRECTION");
            sb_adds(why, "longer than 64 bytes");
            break;
        }
        break;
    }
    default: { /* BR_UTF8 */
        static const char *const junk[] = {"\xC3\x28", "\xFF", "\xD0", "\xC0\xAF",
                                           "\xED\xA0\x80"};
        sb_add(&s, cur, n);
        sb_adds(&s, junk[variant % NELEM(junk)]);
        sb_adds(why, "invalid UTF-8");
        break;
    }
    }
    rec_set(rec, k->col, v, s.n);
}

/* Writes c->rec to `file`; when the row is due and `eligible` (background,
 * never planted or look-alike), breaks one rule first and logs it. */
static void finish_row(ctx_t *c, rng_t *r, int file, int eligible)
{
    outfile_t *o = &c->out[file];
    if (eligible && c->bad_rate > 0 && file_nbad[file] > 0 && o->rows >= o->next_bad) {
        unsigned nk = file_nbad[file];
        const badkind_t *k = &file_bad[file][o->bad % nk];
        unsigned variant = (unsigned)(o->bad / nk) + rng_below(r, 8);
        char why[160], num[24];
        sb_t w, ns;
        rec_t *br;
        double gap;
        uint64_t line = o->rows + 2;

        sb_init(&w, why, sizeof(why));
        mutate(c, r, file, k, variant, &w);
        write_rec(c, file, &c->rec);
        o->bad++;
        gap = (1.0 / c->bad_rate) * (0.5 + rng_unit(r));
        o->next_bad = o->rows + (gap < 1.0 ? 0 : (uint64_t)gap);
        /* bad_rows.csv uses its own record: c->rec is done */
        br = &c->rec;
        rec_begin(br, 4);
        rec_sets(br, 0, file_names[file]);
        sb_init(&ns, num, sizeof(num));
        sb_addu(&ns, line, 0);
        rec_sets(br, 1, num);
        rec_sets(br, 2, file_cols[file][k->col]);
        rec_sets(br, 3, why);
        write_rec(c, F_BAD, br);
        return;
    }
    write_rec(c, file, &c->rec);
}

/* ---- identifiers -------------------------------------------------------------- */

static int day_index(const ctx_t *c, int32_t day)
{
    int i = (int)(day - c->d0);
    return i < 0 ? 0 : i >= NDAYS ? NDAYS - 1 : i;
}

static int year_index(int32_t day)
{
    int i = year_of(day) - 2020;
    return i < 0 ? 0 : i >= NYEARS ? NYEARS - 1 : i;
}

/* "WP20230415-00042": submission day and a per-day counter. */
static void new_app_id(ctx_t *c, int32_t day, char out[24])
{
    sb_t s;
    sb_init(&s, out, 24);
    sb_adds(&s, "WP");
    {
        int y, m, d;
        civil_from_days(day, &y, &m, &d);
        sb_addu(&s, (uint64_t)y, 4);
        sb_addu(&s, (uint64_t)m, 2);
        sb_addu(&s, (uint64_t)d, 2);
    }
    sb_addc(&s, '-');
    sb_addu(&s, ++c->app_ctr[day_index(c, day)], 5);
}

static void new_tin(ctx_t *c, char out[12])
{
    sb_t s;
    sb_init(&s, out, 12);
    sb_addu(&s, perm_apply(&c->tin_map, c->tin_ctr++), 8);
}

static uint32_t new_account(ctx_t *c)
{
    return (uint32_t)perm_apply(&c->acct_map, c->acct_ctr++);
}

static void sb_account(sb_t *s, uint32_t acct)
{
    sb_addc(s, 'U');
    sb_addu(s, acct, 7);
}

/* Canonical passport number from the nationality's pattern. */
static void new_doc(ctx_t *c, rng_t *r, int nat, char out[20])
{
    const char *f = nats[nat].docfmt;
    char digits[24];
    int nd = 0, i, k = 0;
    uint64_t v;
    sb_t s, ds;
    for (i = 0; f[i]; i++)
        nd += f[i] == 'D';
    v = perm_apply(&c->doc_map[nat], c->doc_ctr[nat]++);
    sb_init(&ds, digits, sizeof(digits));
    sb_addu(&ds, v, nd);
    sb_init(&s, out, 20);
    for (i = 0; f[i]; i++) {
        if (f[i] == 'D')
            sb_addc(&s, digits[k++]);
        else if (f[i] == 'L')
            sb_addc(&s, (char)('A' + rng_below(r, 26)));
        else
            sb_addc(&s, f[i]);
    }
}

/* A document number as typed: mostly canonical, sometimes with a space,
 * a dash or in lower case (all normalise to the same number). */
static void sb_doc(sb_t *s, const char *doc, int style)
{
    size_t n = strlen(doc), i;
    switch (style) {
    case 1:
        for (i = 0; i < n; i++)
            sb_addc(s, (doc[i] >= 'A' && doc[i] <= 'Z') ? (char)(doc[i] - 'A' + 'a') : doc[i]);
        break;
    case 2:
        sb_add(s, doc, 2);
        sb_addc(s, ' ');
        sb_adds(s, doc + 2);
        break;
    case 3:
        sb_add(s, doc, 2);
        sb_addc(s, '-');
        sb_adds(s, doc + 2);
        break;
    case 4:
        for (i = 0; i < n; i++) {
            if (i && i % 3 == 0)
                sb_addc(s, ' ');
            sb_addc(s, doc[i]);
        }
        break;
    default:
        sb_adds(s, doc);
        break;
    }
}

static const char *const am_ops[] = {"91", "93", "94", "95", "96", "97", "98", "99",
                                     "41", "43", "44", "55", "77", "33"};

/* An Armenian mobile number, unique per call; style 0 is E.164. */
static void new_am_phone(ctx_t *c, rng_t *r, int style, char *out, size_t cap)
{
    uint64_t v = perm_apply(&c->amph_map, c->amph_ctr++);
    const char *op = am_ops[v / 1000000];
    uint64_t six = v % 1000000;
    unsigned a = (unsigned)(six / 10000), b = (unsigned)(six / 100 % 100),
             d = (unsigned)(six % 100);
    sb_t s;
    sb_init(&s, out, cap);
    (void)r;
    switch (style) {
    case 1: /* 091 23 45 67 */
        sb_addc(&s, '0');
        sb_adds(&s, op);
        sb_addc(&s, ' ');
        sb_addu(&s, a, 2);
        sb_addc(&s, ' ');
        sb_addu(&s, b, 2);
        sb_addc(&s, ' ');
        sb_addu(&s, d, 2);
        break;
    case 2: /* (091) 234-567 */
        sb_adds(&s, "(0");
        sb_adds(&s, op);
        sb_adds(&s, ") ");
        sb_addu(&s, six / 1000, 3);
        sb_addc(&s, '-');
        sb_addu(&s, six % 1000, 3);
        break;
    case 3: /* 374 91 234567 */
        sb_adds(&s, "374 ");
        sb_adds(&s, op);
        sb_addc(&s, ' ');
        sb_addu(&s, six, 6);
        break;
    case 4: /* 0037491234567 */
        sb_adds(&s, "00374");
        sb_adds(&s, op);
        sb_addu(&s, six, 6);
        break;
    case 5: /* 091234567 */
        sb_addc(&s, '0');
        sb_adds(&s, op);
        sb_addu(&s, six, 6);
        break;
    case 6: /* +374 91 23-45-67 */
        sb_adds(&s, "+374 ");
        sb_adds(&s, op);
        sb_addc(&s, ' ');
        sb_addu(&s, a, 2);
        sb_addc(&s, '-');
        sb_addu(&s, b, 2);
        sb_addc(&s, '-');
        sb_addu(&s, d, 2);
        break;
    case 7: /* 91234567 */
        sb_adds(&s, op);
        sb_addu(&s, six, 6);
        break;
    case 8: /* 091-23-45-67 */
        sb_addc(&s, '0');
        sb_adds(&s, op);
        sb_addc(&s, '-');
        sb_addu(&s, a, 2);
        sb_addc(&s, '-');
        sb_addu(&s, b, 2);
        sb_addc(&s, '-');
        sb_addu(&s, d, 2);
        break;
    default: /* +37491234567 */
        sb_adds(&s, "+374");
        sb_adds(&s, op);
        sb_addu(&s, six, 6);
        break;
    }
}

static const uint16_t am_phone_style_w[9] = {35, 15, 8, 7, 5, 15, 5, 5, 5};

/* Re-spells a phone written in E.164 (+374 and eight digits) in another style. */
static void respell_am_phone(const char *e164, int style, char *out, size_t cap)
{
    char op[3], digs[8];
    unsigned long six = 0;
    int i;
    sb_t s;
    if (strncmp(e164, "+374", 4) != 0 || strlen(e164) != 12) {
        snprintf(out, cap, "%s", e164);
        return;
    }
    memcpy(op, e164 + 4, 2);
    op[2] = '\0';
    memcpy(digs, e164 + 6, 6);
    digs[6] = '\0';
    for (i = 0; i < 6; i++)
        six = six * 10 + (unsigned long)(digs[i] - '0');
    sb_init(&s, out, cap);
    switch (style) {
    case 1:
        sb_addc(&s, '0');
        sb_adds(&s, op);
        sb_addc(&s, ' ');
        sb_add(&s, digs, 2);
        sb_addc(&s, ' ');
        sb_add(&s, digs + 2, 2);
        sb_addc(&s, ' ');
        sb_add(&s, digs + 4, 2);
        break;
    case 2:
        sb_adds(&s, "(0");
        sb_adds(&s, op);
        sb_adds(&s, ") ");
        sb_add(&s, digs, 3);
        sb_addc(&s, '-');
        sb_add(&s, digs + 3, 3);
        break;
    case 3:
        sb_adds(&s, "374 ");
        sb_adds(&s, op);
        sb_addc(&s, ' ');
        sb_adds(&s, digs);
        break;
    case 4:
        sb_adds(&s, "00374");
        sb_adds(&s, op);
        sb_adds(&s, digs);
        break;
    case 5:
        sb_addc(&s, '0');
        sb_adds(&s, op);
        sb_adds(&s, digs);
        break;
    default:
        sb_adds(&s, e164);
        break;
    }
    (void)six;
}

/* A home-country mobile number: "+91 98xxxxxxxx" and friends. */
static void new_foreign_phone(ctx_t *c, rng_t *r, int nat, char *out, size_t cap)
{
    const char *pat = nats[nat].mobile;
    char digits[24];
    int nd = 0, i, k = 0, style = (int)rng_below(r, 10);
    uint64_t v;
    sb_t s, ds;
    for (i = 0; pat[i]; i++)
        nd += pat[i] == 'D';
    v = perm_apply(&c->fph_map[nat], c->fph_ctr[nat]++);
    sb_init(&ds, digits, sizeof(digits));
    sb_addu(&ds, v, nd);
    sb_init(&s, out, cap);
    sb_adds(&s, style < 2 ? "00" : "+");
    sb_adds(&s, nats[nat].cc);
    if (style >= 6)
        sb_addc(&s, ' ');
    for (i = 0; pat[i]; i++)
        sb_addc(&s, pat[i] == 'D' ? digits[k++] : pat[i]);
}

static void ascii_lower_letters(const char *x, sb_t *s)
{
    for (; *x; x++) {
        char ch = *x;
        if (ch >= 'A' && ch <= 'Z')
            sb_addc(s, (char)(ch - 'A' + 'a'));
        else if (ch >= 'a' && ch <= 'z')
            sb_addc(s, ch);
    }
}

static void make_email(rng_t *r, const person_t *w, char *out, size_t cap)
{
    char fam[TXT], giv[TXT];
    sb_t s, f, g;
    int style = (int)rng_below(r, 4);
    sb_init(&f, fam, sizeof(fam));
    sb_init(&g, giv, sizeof(giv));
    name_passport(w, 1, &f);
    name_passport(w, 0, &g);
    sb_init(&s, out, cap);
    ascii_lower_letters(giv, &s);
    if (s.n == 0)
        sb_adds(&s, "user");
    sb_addc(&s, style == 0 ? '_' : '.');
    ascii_lower_letters(fam, &s);
    if (style >= 2)
        sb_addu(&s, (uint64_t)(year_of(w->birth) % 100), 2);
    if (rng_chance(r, 0.002)) {
        /* malformed on purpose: a warning for the importer, never a reject */
        sb_adds(&s, rng_chance(r, 0.5) ? "@gmail" : " at gmail.com");
        return;
    }
    sb_addc(&s, '@');
    sb_part(&s, nats[w->nat].mail, rng_below(r, 4));
}

/* ---- people ------------------------------------------------------------------ */

static const char *pick_name(rng_t *r, int pool)
{
    return pools[pool].v[rng_below(r, pools[pool].n)];
}

/* A new person of nationality `nat`, sex 'F'/'M', aged age_lo..age_hi at
 * day `ref`. Phone, e-mail and residence are left for the caller. */
static void person_new(ctx_t *c, rng_t *r, person_t *w, int nat, char sex, int age_lo,
                       int age_hi, int32_t ref)
{
    const nat_t *n = &nats[nat];
    int arm = rng_chance(r, n->arm_pct / 100.0);
    int fam_pool = arm ? PL_ARM_FAM : n->fam;
    int giv_pool = arm ? (sex == 'F' ? PL_ARM_F : PL_ARM_M) : (sex == 'F' ? n->female : n->male);
    const char *p;
    size_t len;
    int has_cyr, has_arm;
    double u;

    memset(w, 0, sizeof(*w));
    w->nat = (uint8_t)nat;
    w->sex = sex;
    if (rng_chance(r, 0.0005))
        w->sex = 'X';
    w->fam = pick_name(r, fam_pool);
    w->giv = pick_name(r, giv_pool);
    w->fam_gendered = pools[fam_pool].gendered;
    entry_seg(w->fam, 0, &p, &len);
    w->fam_var = (uint8_t)(rng_chance(r, 0.35) ? rng_below(r, count_parts(p, len)) : 0);
    w->pfam_var = (uint8_t)(rng_chance(r, 0.25) ? rng_below(r, count_parts(p, len)) : 0);
    entry_seg(w->giv, 0, &p, &len);
    w->giv_var = (uint8_t)(rng_chance(r, 0.35) ? rng_below(r, count_parts(p, len)) : 0);
    w->pgiv_var = (uint8_t)(rng_chance(r, 0.25) ? rng_below(r, count_parts(p, len)) : 0);
    entry_seg(w->fam, 1, &p, &len);
    has_cyr = len > 0;
    entry_seg(w->fam, 2, &p, &len);
    has_arm = len > 0;
    u = rng_unit(r);
    if (n->cyr != CYR_NONE && has_cyr)
        w->script = u < 0.40 ? SCR_LATIN : u < 0.65 ? SCR_CYR : u < 0.87 ? SCR_MRZ_TITLE
                  : u < 0.93 ? SCR_MRZ_CAPS : (has_arm ? SCR_ARM : SCR_CYR);
    else if (has_cyr && u < 0.08)
        w->script = SCR_CYR; /* Central Asian names typed in Russian */
    else
        w->script = u < 0.35 ? SCR_LATIN : u < 0.80 ? SCR_MRZ_TITLE : u < 0.90 ? SCR_MRZ_CAPS
                  : (has_arm ? SCR_ARM : SCR_LATIN);
    u = rng_unit(r);
    w->docstyle = (uint8_t)(u < 0.88 ? 0 : u < 0.91 ? 1 : u < 0.95 ? 2 : u < 0.97 ? 3 : 4);
    w->birth = ref - (int32_t)(rng_int(r, age_lo, age_hi) * 365);
    w->birth -= (int32_t)rng_below(r, 365);
    new_doc(c, r, nat, w->doc);
    w->home_region = -1;
}

/* Own phone (or none) and e-mail for a background person. */
static void person_contacts(ctx_t *c, rng_t *r, person_t *w, double p_phone)
{
    if (rng_chance(r, p_phone)) {
        if (rng_chance(r, 0.13))
            new_foreign_phone(c, r, w->nat, w->phone, sizeof(w->phone));
        else
            new_am_phone(c, r, (int)pick_w(r, am_phone_style_w, 9), w->phone,
                         sizeof(w->phone));
        if (rng_chance(r, 0.0005))
            snprintf(w->phone, sizeof(w->phone), "23-45-6%u", rng_below(r, 10));
    }
    if (rng_chance(r, 0.3))
        make_email(r, w, w->email, sizeof(w->email));
}

static void place_random(rng_t *r, place_t *p, int town, int flat)
{
    memset(p, 0, sizeof(*p));
    p->town = (uint8_t)town;
    if (towns[town].village) {
        p->street = (uint8_t)rng_int(r, 1, 12);
        p->house = (uint16_t)rng_int(r, 1, 90);
        return;
    }
    p->street = (uint8_t)rng_below(r, town == 0 ? NYSTREET : NTSTREET);
    p->house = (uint16_t)rng_int(r, 1, town == 0 ? 160 : 90);
    if (flat) {
        p->unit = UNIT_APT;
        p->flat = (uint16_t)rng_int(r, 1, town == 0 ? 140 : 60);
    }
}

static int town_in_region(rng_t *r, int region, int allow_village)
{
    int idx[NELEM(towns)], n = 0, i;
    for (i = 0; i < NTOWN; i++)
        if (towns[i].region == region && (allow_village || !towns[i].village))
            idx[n++] = i;
    if (n == 0)
        return 0;
    return idx[rng_below(r, (uint32_t)n)];
}

/* Residence as written, and its region. */
static void person_home(rng_t *r, person_t *w, const place_t *p, int style)
{
    sb_t s;
    sb_init(&s, w->home, sizeof(w->home));
    render_place(p, style, r, &s);
    w->home_region = towns[p->town % NTOWN].region;
}

/* ---- employers ---------------------------------------------------------------- */

static const char *const name_roots =
    "Ararat|Masis|Nairi|Hayk|Sevan|Aragats|Van|Urartu|Araks|Erebuni|Garni|Tigran|"
    "Zangezur|Shant|Ani|Narek|Arev|Armenia|Yerevan|Euro|Mega|Best|Golden|Silk Road|Grand|"
    "Global|Prime|City|Royal|Green|New Line|Alfa|Vega|Orion|Elite|Smart|Star|Comfort|Eco|"
    "Noy|Dvin|Artsakh|Lori|Tsitsernak|Arpa|Azatamart|Kilikia|Hrazdan|Zvartnots";

static void make_company_name(rng_t *r, const char *words, char *out, size_t cap)
{
    char root[48], word[48];
    const char *p;
    size_t n;
    sb_t s, t;
    unsigned form = pick_w(r, (const uint16_t[]){55, 12, 10, 6, 5, 5, 4, 3}, 8);

    sb_init(&t, root, sizeof(root));
    sb_part(&t, name_roots, rng_below(r, 64));
    part_of(words, strlen(words), rng_below(r, 16), &p, &n);
    if (n >= sizeof(word))
        n = sizeof(word) - 1;
    memcpy(word, p, n);
    word[n] = '\0';
    sb_init(&s, out, cap);
    switch (form) {
    case 1:
        sb_addc(&s, '"');
        sb_adds(&s, root);
        sb_addc(&s, ' ');
        sb_adds(&s, word);
        sb_adds(&s, "\" LLC");
        break;
    case 2:
        sb_adds(&s, root);
        sb_addc(&s, ' ');
        sb_adds(&s, word);
        sb_adds(&s, " CJSC");
        break;
    case 3:
        sb_adds(&s, "«");
        sb_adds(&s, root);
        sb_addc(&s, ' ');
        sb_adds(&s, word);
        sb_adds(&s, "» ՍՊԸ");
        break;
    case 4:
        sb_upper_ascii(&s, root);
        sb_addc(&s, ' ');
        sb_upper_ascii(&s, word);
        sb_adds(&s, " LLC");
        break;
    case 5:
        sb_adds(&s, root);
        sb_addc(&s, '-');
        sb_adds(&s, word);
        sb_adds(&s, " Ltd");
        break;
    case 6:
        sb_adds(&s, root);
        sb_adds(&s, ", ");
        sb_adds(&s, word);
        sb_adds(&s, " & Partners LLC");
        break;
    case 7:
        sb_adds(&s, "ООО «");
        sb_adds(&s, root);
        sb_addc(&s, ' ');
        sb_adds(&s, word);
        sb_adds(&s, "»");
        break;
    default:
        sb_adds(&s, root);
        sb_addc(&s, ' ');
        sb_adds(&s, word);
        sb_adds(&s, " LLC");
        break;
    }
}

/* A private person as employer (households): "Armen Petrosyan". */
static void make_household_name(rng_t *r, char *out, size_t cap)
{
    const char *g = pick_name(r, rng_chance(r, 0.6) ? PL_ARM_M : PL_ARM_F);
    const char *f = pick_name(r, PL_ARM_FAM), *p;
    size_t n;
    sb_t s;
    int arm = rng_chance(r, 0.25);
    sb_init(&s, out, cap);
    entry_seg(g, arm ? 2 : 0, &p, &n);
    part_of(p, n, 0, &p, &n);
    sb_add(&s, p, n);
    sb_addc(&s, ' ');
    entry_seg(f, arm ? 2 : 0, &p, &n);
    part_of(p, n, 0, &p, &n);
    sb_add(&s, p, n);
    if (!arm && rng_chance(r, 0.2))
        sb_adds(&s, " (individual)");
}

static int pick_region(rng_t *r, int profile)
{
    return (int)pick_w(r, region_w[profile], NREG);
}

/* Fills a new employer of `sector` registered on `registered` (0: unknown). */
static void employer_new(ctx_t *c, rng_t *r, employer_t *e, int sector, int32_t registered)
{
    int region, town;
    memset(e, 0, sizeof(*e));
    e->sector = (uint8_t)sector;
    new_tin(c, e->tin);
    e->account = new_account(c);
    e->seed = (uint32_t)rng_u64(r);
    e->agency = -1;
    e->registered = registered;
    e->wage_pm = (uint16_t)(1000.0 * det_exp(0.15 * rng_normal(r)));
    e->wp_style = (uint8_t)(rng_chance(r, 0.7) ? AS_EN_SHORT : pick_style(r));
    region = pick_region(r, sectors[sector].region_profile);
    town = region == R_ER ? 0 : town_in_region(r, region, sector == S01);
    if (sector == S97) {
        e->flags |= EF_HOUSEHOLD;
        make_household_name(r, e->name, sizeof(e->name));
        place_random(r, &e->place, town, rng_chance(r, 0.7));
        e->declared = rng_chance(r, 0.6) ? 1 : 0;
        if (rng_chance(r, 0.6))
            e->registered = 0;
    } else {
        make_company_name(r, sectors[sector].words, e->name, sizeof(e->name));
        place_random(r, &e->place, town, 0);
        if (rng_chance(r, 0.3)) {
            e->place.unit = UNIT_OFFICE;
            e->place.flat = (uint16_t)rng_int(r, 1, 60);
        }
    }
}

/* The workplace as this row writes it: usually the employer's own spelling. */
static void sb_workplace(const employer_t *e, rng_t *r, sb_t *s)
{
    rng_t fixed;
    if (rng_chance(r, 0.85)) {
        rng_init(&fixed, e->seed, 7);
        render_place(&e->place, e->wp_style, &fixed, s);
    } else {
        render_place(&e->place, pick_style(r), r, s);
    }
}

/* ---- permits ------------------------------------------------------------------ */

enum { D_PENDING, D_APPROVED, D_REJECTED, D_WITHDRAWN, D_REVOKED };
static const char *const decision_names[] = {"pending", "approved", "rejected", "withdrawn",
                                             "revoked"};
enum { ROLE_BG, ROLE_PLANTED, ROLE_LOOKALIKE };

typedef struct {
    person_t *w;
    const employer_t *e;
    const agency_t *ag;    /* NULL: direct */
    int occ;
    uint32_t salary;       /* 0: not given */
    int hours;             /* 0: not given */
    int32_t sub;           /* submission day */
    int months;            /* validity */
    const char *prev;      /* previous application id, "" for none */
    const char *wp;        /* workplace as written, NULL: the employer's own */
    int want;              /* decision wanted, -1: drawn */
    int32_t revoke_on;     /* day of revocation when want == D_REVOKED */
    int agency_submits;    /* submitted_by is the agency's account */
    int shared_account;    /* non-zero: submitted_by this account instead */
    uint8_t role;
    /* results */
    char id[24];
    int dec;
    int32_t dec_day, vfrom, vto;
} app_t;

static int32_t min_wage(int32_t day)
{
    return year_of(day) >= 2023 ? 75000 : 68000;
}

/* A background wage for occupation `occ` at an employer paying wage_pm. */
static uint32_t wage_for(rng_t *r, int occ, const employer_t *e, int32_t day)
{
    double x = (double)occs[occ].median * (e ? e->wage_pm / 1000.0 : 1.0) *
               det_exp(0.22 * rng_normal(r));
    double yr = 1.0 + 0.06 * (year_of(day) - 2022);
    uint32_t w;
    uint32_t step = rng_chance(r, 0.6) ? 5000 : 1000;
    x *= yr;
    w = (uint32_t)(x / step + 0.5) * step;
    if (w < (uint32_t)min_wage(day) + 7000)
        w = (uint32_t)min_wage(day) + 7000 + step * rng_below(r, 6);
    if (rng_chance(r, 0.0005))
        w /= 10; /* a typing slip: a zero lost */
    return w;
}

static int hours_background(rng_t *r, int sector)
{
    double u = rng_unit(r);
    if (sector == S62)
        return u < 0.90 ? 40 : u < 0.95 ? 45 : 48;
    if (u < 0.80)
        return 40;
    if (u < 0.84)
        return 44;
    if (u < 0.87)
        return 45;
    if (u < 0.945)
        return 48;
    if (u < 0.955)
        return 36;
    if (u < 0.975)
        return rng_chance(r, 0.5) ? 20 : 30;
    if (u < 0.980)
        return rng_int(r, 50, 56);
    return 0;
}

/* Decision, its day and the validity, for a submission on a->sub. */
static void app_decide(ctx_t *c, rng_t *r, app_t *a)
{
    int32_t proc = (int32_t)rng_int(r, 4, 28);
    double u = rng_unit(r);
    int dec = a->want;

    if (dec < 0)
        dec = u < 0.885 ? D_APPROVED : u < 0.955 ? D_REJECTED : u < 0.985 ? D_WITHDRAWN
              : D_REVOKED;
    if (dec == D_WITHDRAWN)
        proc = (int32_t)rng_int(r, 2, 20);
    a->dec_day = a->sub + proc;
    a->vfrom = a->vto = 0;
    if (a->dec_day > c->d_end) {
        a->dec = D_PENDING;
        return;
    }
    a->dec = dec;
    if (dec == D_APPROVED || dec == D_REVOKED) {
        a->vfrom = a->dec_day + (int32_t)rng_int(r, 0, 10);
        a->vto = add_months(a->vfrom, a->months > 0 ? a->months : 12) - 1;
        if (dec == D_REVOKED) {
            int32_t rv = a->revoke_on ? a->revoke_on : a->vfrom + (int32_t)rng_int(r, 30, 200);
            if (rv <= a->vfrom)
                rv = a->vfrom + 1;
            if (rv > c->d_end || rv >= a->vto)
                a->dec = D_APPROVED;
            else
                a->dec_day = rv;
        }
    }
}

static int32_t office_seconds(rng_t *r)
{
    if (rng_chance(r, 0.85))
        return (int32_t)rng_int(r, 9 * 3600, 18 * 3600 + 3599);
    return (int32_t)rng_int(r, 7 * 3600, 23 * 3600 + 3599);
}

/* Writes one permit row; fills a->id, a->dec and the validity. */
static void emit_app(ctx_t *c, rng_t *r, app_t *a)
{
    rec_t *rec = &c->rec;
    const person_t *w = a->w;
    const employer_t *e = a->e;
    const occ_t *o = &occs[a->occ];
    sb_t s;
    int32_t cstart = 0, cend = 0;
    int bg = a->role == ROLE_BG;

    if (c->err != TW_OK)
        return;
    if (a->sub < c->d_start)
        a->sub = c->d_start;
    if (a->sub > c->d_end)
        a->sub = c->d_end;
    if (weekday(a->sub) == 6 && rng_chance(r, 0.75) && a->sub + 2 <= c->d_end)
        a->sub += 2;
    else if (weekday(a->sub) == 0 && rng_chance(r, 0.75) && a->sub + 1 <= c->d_end)
        a->sub += 1;
    app_decide(c, r, a);
    new_app_id(c, a->sub, a->id);

    rec_begin(rec, P_NCOLS);
    rec_sets(rec, P_APPLICATION_ID, a->id);
    rec_setts(rec, P_SUBMITTED_AT, a->sub, office_seconds(r), TZ_PLUS4);
    if (bg && rng_chance(r, 0.01)) {
        char d[16];
        snprintf(d, sizeof(d), "%s", decision_names[a->dec]);
        d[0] = (char)(d[0] - 'a' + 'A');
        rec_sets(rec, P_DECISION, d);
    } else {
        rec_sets(rec, P_DECISION, decision_names[a->dec]);
    }
    if (a->dec != D_PENDING)
        rec_setts(rec, P_DECIDED_AT, a->dec_day, office_seconds(r), TZ_PLUS4);
    if (a->dec == D_APPROVED || a->dec == D_REVOKED) {
        int yi = year_index(a->vfrom);
        fld_begin(rec, &s);
        sb_adds(&s, "AM-WP-");
        sb_addu(&s, (uint64_t)(2020 + yi), 4);
        sb_addc(&s, '-');
        sb_addu(&s, ++c->permit_ctr[yi], 6);
        fld_end(rec, P_PERMIT_NO, &s);
        rec_setdate(rec, P_VALID_FROM, a->vfrom);
        rec_setdate(rec, P_VALID_TO, a->vto);
        cstart = rng_chance(r, 0.75) ? a->vfrom : a->vfrom + (int32_t)rng_int(r, 1, 14);
    } else {
        cstart = a->sub + (int32_t)rng_int(r, 20, 50);
    }
    { /* a contract may run longer than the permit it asks for */
        int cm = a->months > 0 ? a->months : 12;
        if (cm == 12 && rng_chance(r, 0.1))
            cm = 24;
        cend = add_months(cstart, cm) - 1;
    }
    rec_sets(rec, P_PREVIOUS_APPLICATION_ID, a->prev ? a->prev : "");

    fld_begin(rec, &s);
    sb_doc(&s, w->doc, w->docstyle);
    fld_end(rec, P_WORKER_DOC_NO, &s);
    rec_sets(rec, P_WORKER_DOC_COUNTRY, nats[w->nat].iso);
    fld_begin(rec, &s);
    name_permit(w, 1, &s);
    fld_end(rec, P_WORKER_FAMILY_NAME, &s);
    fld_begin(rec, &s);
    name_permit(w, 0, &s);
    fld_end(rec, P_WORKER_GIVEN_NAME, &s);
    {
        char sx[2] = {w->sex, 0};
        if (bg && rng_chance(r, 0.01))
            sx[0] = (char)(sx[0] - 'A' + 'a');
        rec_sets(rec, P_WORKER_SEX, sx);
    }
    rec_setdate(rec, P_WORKER_BIRTH_DATE, w->birth);
    rec_sets(rec, P_WORKER_CITIZENSHIP, nats[w->nat].iso);
    rec_sets(rec, P_WORKER_PHONE, w->phone);
    rec_sets(rec, P_WORKER_EMAIL, w->email);
    rec_sets(rec, P_WORKER_ADDRESS, w->home);
    if (w->home[0] && w->home_region >= 0 && !(bg && rng_chance(r, 0.05)))
        rec_sets(rec, P_WORKER_REGION, region_code[w->home_region]);

    rec_sets(rec, P_EMPLOYER_TIN, e->tin);
    rec_sets(rec, P_EMPLOYER_NAME, e->name);
    if (!(bg && rng_chance(r, 0.02)))
        rec_sets(rec, P_EMPLOYER_SECTOR, sectors[e->sector].isic);
    if (e->registered && !(bg && rng_chance(r, 0.04)))
        rec_setdate(rec, P_EMPLOYER_REGISTERED_ON, e->registered);
    if (e->declared && !(bg && rng_chance(r, 0.04)))
        rec_setu(rec, P_EMPLOYER_DECLARED_EMPLOYEES, e->declared);
    if (!(bg && rng_chance(r, 0.03))) {
        fld_begin(rec, &s);
        if (a->wp)
            sb_adds(&s, a->wp);
        else
            sb_workplace(e, r, &s);
        fld_end(rec, P_WORKPLACE_ADDRESS, &s);
        if (!(bg && rng_chance(r, 0.04)))
            rec_sets(rec, P_WORKPLACE_REGION, region_code[towns[e->place.town].region]);
    }
    if (!(bg && rng_chance(r, 0.02)))
        rec_sets(rec, P_OCCUPATION_ISCO, o->isco);
    if (!(bg && rng_chance(r, 0.05))) {
        fld_begin(rec, &s);
        sb_part(&s, o->titles, rng_chance(r, 0.6) ? 0 : rng_below(r, 8));
        fld_end(rec, P_POSITION_TITLE, &s);
    }
    if (a->salary)
        rec_setu(rec, P_MONTHLY_SALARY_AMD, a->salary);
    if (a->hours)
        rec_setu(rec, P_WEEKLY_HOURS, (uint64_t)a->hours);
    if (!(bg && rng_chance(r, 0.06))) {
        if (bg && rng_chance(r, 0.0003)) { /* swapped: a warning, not an error */
            int32_t t = cstart;
            cstart = cend;
            cend = t;
        }
        rec_setdate(rec, P_CONTRACT_START, cstart);
        if (!(bg && rng_chance(r, 0.05)))
            rec_setdate(rec, P_CONTRACT_END, cend);
    }
    if (a->ag) {
        if (a->ag == &c->ag[0])
            c->big_agency_apps++;
        rec_sets(rec, P_INTERMEDIARY_ID, a->ag->id);
        rec_sets(rec, P_INTERMEDIARY_NAME, a->ag->name);
    }
    if (!(bg && rng_chance(r, 0.02))) {
        fld_begin(rec, &s);
        sb_account(&s, a->shared_account ? (uint32_t)a->shared_account
                       : (a->ag && a->agency_submits) ? a->ag->account : e->account);
        fld_end(rec, P_SUBMITTED_BY, &s);
    }
    finish_row(c, r, F_PERMITS, bg);
}

/* ---- border crossings ------------------------------------------------------ */

enum { PT_ZVARTNOTS, PT_SHIRAK, PT_BAGRATASHEN, PT_BAVRA, PT_GOGAVAN, PT_MEGHRI, NPOINT };
static const char *const point_names[NPOINT] = {
    "Zvartnots|EVN|Zvartnots Airport", "Shirak|LWN|Shirak Airport", "Bagratashen",
    "Bavra", "Gogavan", "Meghri|Agarak-Meghri"};
static const uint16_t point_w[3][NPOINT] = {
    {88, 7, 5, 0, 0, 0}, {25, 0, 50, 15, 10, 0}, {40, 0, 0, 0, 0, 60}};

static int pick_point(rng_t *r, int nat)
{
    return (int)pick_w(r, point_w[nats[nat].border], NPOINT);
}

static int32_t crossing_seconds(rng_t *r)
{
    if (rng_chance(r, 0.4))
        return (int32_t)rng_int(r, 1 * 3600, 6 * 3600 + 3599);
    return (int32_t)rng_int(r, 7 * 3600, 23 * 3600 + 3599);
}

/* One MRZ-style name with rare reading slips: a doubled or dropped letter. */
static void sb_border_name(rng_t *r, const person_t *w, int family, sb_t *s)
{
    char tmp[TXT];
    sb_t t;
    size_t n;
    sb_init(&t, tmp, sizeof(tmp));
    if (rng_chance(r, 0.04)) {
        char lat[TXT];
        sb_t l;
        person_t v = *w;
        v.script = SCR_LATIN;
        sb_init(&l, lat, sizeof(lat));
        name_permit(&v, family, &l);
        sb_mrz(&t, lat, l.n, CYR_NONE);
    } else {
        name_passport(w, family, &t);
    }
    n = t.n;
    if (n > 4 && rng_chance(r, 0.02)) {
        size_t at = 1 + rng_below(r, (uint32_t)(n - 2));
        if (rng_chance(r, 0.5)) {
            memmove(tmp + at, tmp + at + 1, n - at);
            n--;
        } else if (n + 1 < sizeof(tmp)) {
            memmove(tmp + at + 1, tmp + at, n - at + 1);
            n++;
        }
        tmp[n] = '\0';
    }
    sb_add(s, tmp, n);
}

static void emit_cross(ctx_t *c, rng_t *r, const person_t *w, int32_t day, int32_t sec,
                       int in, int point, const char *purpose, int role)
{
    rec_t *rec = &c->rec;
    sb_t s;
    double u;
    if (c->err != TW_OK || day < c->d_border0 || day > c->d_end)
        return;
    rec_begin(rec, B_NCOLS);
    fld_begin(rec, &s);
    sb_adds(&s, "BC");
    {
        int y, m, d;
        civil_from_days(day, &y, &m, &d);
        sb_addu(&s, (uint64_t)y, 4);
        sb_addu(&s, (uint64_t)m, 2);
        sb_addu(&s, (uint64_t)d, 2);
    }
    sb_addc(&s, '-');
    sb_addu(&s, ++c->cross_ctr[day_index(c, day)], 6);
    fld_end(rec, B_CROSSING_ID, &s);
    rec_setts(rec, B_CROSSED_AT, day, sec, TZ_NONE);
    rec_sets(rec, B_DIRECTION, in ? "in" : "out");
    fld_begin(rec, &s);
    sb_part(&s, point_names[point], rng_chance(r, 0.8) ? 0 : rng_below(r, 3));
    fld_end(rec, B_CROSSING_POINT, &s);
    fld_begin(rec, &s);
    u = rng_unit(r);
    sb_doc(&s, w->doc, u < 0.95 ? 0 : u < 0.97 ? 2 : u < 0.99 ? 1 : 4);
    fld_end(rec, B_DOC_NO, &s);
    rec_sets(rec, B_DOC_COUNTRY, nats[w->nat].iso);
    fld_begin(rec, &s);
    sb_border_name(r, w, 1, &s);
    fld_end(rec, B_FAMILY_NAME, &s);
    fld_begin(rec, &s);
    sb_border_name(r, w, 0, &s);
    fld_end(rec, B_GIVEN_NAME, &s);
    if (rng_chance(r, 0.96)) {
        char sx[2] = {w->sex, 0};
        rec_sets(rec, B_SEX, sx);
    }
    rec_setdate(rec, B_BIRTH_DATE, w->birth);
    rec_sets(rec, B_CITIZENSHIP, nats[w->nat].iso);
    rec_sets(rec, B_PURPOSE, purpose);
    finish_row(c, r, F_BORDER, role == ROLE_BG);
}

static const char *worker_purpose(rng_t *r)
{
    double u = rng_unit(r);
    return u < 0.66 ? "work" : u < 0.80 ? "private" : u < 0.90 ? "tourism" : u < 0.93 ? "Work"
           : u < 0.95 ? "business" : "";
}

/* Crosses if the direction makes sense; keeps crossings of one person in
 * time order. sec < 0: a usual time of day; point < 0: the person's usual
 * crossing point; purpose NULL: a worker's declared purpose. They are drawn
 * here, in this order, so callers never put two draws in one argument list
 * (C leaves the order of argument evaluation unspecified, and gcc and clang
 * differ: the output would depend on the compiler). */
static void cross(ctx_t *c, rng_t *r, const person_t *w, bstate_t *bs, int32_t day,
                  int32_t sec, int in, int point, const char *purpose, int role)
{
    if (sec < 0)
        sec = crossing_seconds(r);
    if (point < 0)
        point = pick_point(r, w->nat);
    if (!purpose)
        purpose = worker_purpose(r);
    if (in == bs->inside)
        return;
    if (day < bs->last_day || (day == bs->last_day && sec <= bs->last_sec)) {
        day = bs->last_day;
        sec = bs->last_sec + (int32_t)rng_int(r, 1800, 7200);
        if (sec >= 86400) {
            sec -= 86400;
            day++;
        }
    }
    bs->inside = in;
    bs->last_day = day;
    bs->last_sec = sec;
    emit_cross(c, r, w, day, sec, in, point, purpose, role);
}


/* Background border behaviour around one application: entry before the
 * permit (or before submission for visa-free nationals), home visits,
 * exit at the end when `last`. */
static void border_background(ctx_t *c, rng_t *r, const person_t *w, bstate_t *bs,
                              const app_t *a, int last, int role)
{
    int point = pick_point(r, w->nat);
    if (a->dec == D_APPROVED || a->dec == D_REVOKED) {
        int32_t end = a->dec == D_REVOKED ? a->dec_day : a->vto;
        if (!bs->inside) {
            int32_t in_day = nats[w->nat].visa_free && rng_chance(r, 0.4)
                                 ? a->sub - (int32_t)rng_int(r, 3, 60)
                                 : a->vfrom - (int32_t)rng_int(r, 0, 20);
            cross(c, r, w, bs, in_day, -1, 1, point, NULL, role);
        }
        if (rng_chance(r, 0.28)) {
            int32_t span = end - a->vfrom;
            if (span > 90) {
                int32_t out = a->vfrom + 30 + (int32_t)rng_below(r, (uint32_t)(span - 60));
                cross(c, r, w, bs, out, -1, 0, -1, "", role);
                cross(c, r, w, bs, out + (int32_t)rng_int(r, 5, 30), -1, 1,
                      -1, NULL, role);
            }
        }
        if (rng_chance(r, 0.04)) {
            cross(c, r, w, bs, a->vfrom + (int32_t)rng_int(r, 20, 150), -1, 0,
                  point, "", role);
        } else if (last && rng_chance(r, 0.65)) {
            cross(c, r, w, bs, end + (int32_t)rng_int(r, -30, 10), -1, 0,
                  point, "", role);
        }
    } else if (bs->inside && (a->dec == D_REJECTED || a->dec == D_WITHDRAWN) &&
               rng_chance(r, 0.7)) {
        cross(c, r, w, bs, a->dec_day + (int32_t)rng_int(r, 5, 60), -1, 0,
              point, "", role);
    }
}

/* ---- inspections, reports, outcomes, truth --------------------------------- */

static void emit_inspection(ctx_t *c, rng_t *r, const employer_t *e, int32_t day,
                            int found, int undeclared, const char *violations, int role)
{
    rec_t *rec = &c->rec;
    sb_t s;
    int yi;
    if (c->err != TW_OK || day > c->d_end || day < c->d_start)
        return;
    yi = year_index(day);
    rec_begin(rec, I_NCOLS);
    fld_begin(rec, &s);
    sb_adds(&s, "LI-");
    sb_addu(&s, (uint64_t)(2020 + yi), 4);
    sb_addc(&s, '-');
    sb_addu(&s, ++c->insp_ctr[yi], 5);
    fld_end(rec, I_INSPECTION_ID, &s);
    rec_sets(rec, I_EMPLOYER_TIN, e->tin);
    rec_setdate(rec, I_INSPECTED_ON, day);
    if (found >= 0 && !(role == ROLE_BG && rng_chance(r, 0.1)))
        rec_setu(rec, I_WORKERS_FOUND, (uint64_t)found);
    if (undeclared >= 0 && !(role == ROLE_BG && rng_chance(r, 0.1)))
        rec_setu(rec, I_UNDECLARED_WORKERS, (uint64_t)undeclared);
    rec_sets(rec, I_VIOLATIONS, violations);
    finish_row(c, r, F_INSPECT, role == ROLE_BG);
}

enum { CH_HOTLINE, CH_NGO, CH_POLICE, CH_LABOUR, CH_CONSULATE, CH_SELF, CH_OTHER };
static const char *const channel_names[] = {"hotline", "ngo", "police", "labour_inspection",
                                            "consulate", "self", "other"};
static const char *const channel_prefix[] = {"HL", "NGO", "POL", "LIR", "CON", "SR", "OT"};
enum { CAT_NONE = -1, CAT_FORCED, CAT_SEXUAL, CAT_DOMESTIC, CAT_BEGGING, CAT_CRIMINAL,
       CAT_OTHER };
static const char *const category_names[] = {"forced_labour", "sexual_exploitation",
                                             "domestic_servitude", "forced_begging",
                                             "forced_criminality", "other"};

typedef struct {
    int32_t day;
    int channel;
    int category;
    const person_t *subject; /* may be NULL */
    const employer_t *e;     /* may be NULL */
    int with_tin;            /* write e->tin */
    const char *address;     /* may be NULL */
    const char *phone;       /* may be NULL */
    const char *summary;     /* '@' is replaced with the employer's name */
    int role;
} report_t;

static void emit_report(ctx_t *c, rng_t *r, const report_t *p)
{
    rec_t *rec = &c->rec;
    sb_t s;
    int yi;
    const char *q;
    if (c->err != TW_OK || p->day > c->d_end || p->day < c->d_start)
        return;
    yi = year_index(p->day);
    rec_begin(rec, R_NCOLS);
    fld_begin(rec, &s);
    sb_adds(&s, channel_prefix[p->channel]);
    sb_addc(&s, '-');
    sb_addu(&s, (uint64_t)(2020 + yi), 4);
    sb_addc(&s, '-');
    sb_addu(&s, ++c->rep_ctr[yi], 5);
    fld_end(rec, R_REPORT_ID, &s);
    rec_setts(rec, R_RECEIVED_AT, p->day, office_seconds(r),
              p->channel == CH_POLICE ? TZ_UTC : TZ_PLUS4);
    rec_sets(rec, R_CHANNEL, channel_names[p->channel]);
    if (p->subject) {
        person_t v = *p->subject;
        fld_begin(rec, &s);
        if (rng_chance(r, 0.5)) { /* as heard on the phone: a Latin spelling */
            v.script = SCR_LATIN;
            v.giv_var = (uint8_t)rng_below(r, 4);
            v.fam_var = (uint8_t)rng_below(r, 4);
        }
        if (rng_chance(r, 0.3)) {
            name_permit(&v, 0, &s);
        } else {
            name_permit(&v, 0, &s);
            sb_addc(&s, ' ');
            name_permit(&v, 1, &s);
        }
        fld_end(rec, R_SUBJECT_NAME, &s);
        if (rng_chance(r, 0.3))
            rec_setdate(rec, R_SUBJECT_BIRTH_DATE, v.birth);
        if (rng_chance(r, 0.6))
            rec_sets(rec, R_SUBJECT_CITIZENSHIP, nats[v.nat].iso);
    }
    if (p->e) {
        if (p->with_tin)
            rec_sets(rec, R_EMPLOYER_TIN, p->e->tin);
        if (rng_chance(r, 0.85))
            rec_sets(rec, R_EMPLOYER_NAME, p->e->name);
    }
    if (p->address)
        rec_sets(rec, R_ADDRESS, p->address);
    if (p->phone)
        rec_sets(rec, R_PHONE, p->phone);
    if (p->category != CAT_NONE)
        rec_sets(rec, R_CATEGORY, category_names[p->category]);
    fld_begin(rec, &s);
    for (q = p->summary; *q; q++) {
        if (*q == '@')
            sb_adds(&s, p->e ? p->e->name : "the employer");
        else
            sb_addc(&s, *q);
    }
    fld_end(rec, R_SUMMARY, &s);
    finish_row(c, r, F_REPORTS, p->role == ROLE_BG);
}

static void emit_outcome(ctx_t *c, rng_t *r, const char *type, const char *key,
                         int confirmed, int32_t day, int role)
{
    rec_t *rec = &c->rec;
    if (c->err != TW_OK || day > c->d_end)
        return;
    rec_begin(rec, O_NCOLS);
    rec_sets(rec, O_ENTITY_TYPE, type);
    rec_sets(rec, O_ENTITY_KEY, key);
    rec_sets(rec, O_OUTCOME, confirmed ? "confirmed" : "cleared");
    if (rng_chance(r, 0.92))
        rec_setdate(rec, O_DECIDED_ON, day);
    finish_row(c, r, F_OUTCOMES, role == ROLE_BG);
}

static void emit_truth(ctx_t *c, const char *scheme, int kind, const char *type,
                       const char *key, int role)
{
    rec_t *rec = &c->rec;
    if (c->err != TW_OK)
        return;
    rec_begin(rec, 5);
    rec_sets(rec, 0, scheme);
    rec_sets(rec, 1, unit_typology[kind]);
    rec_sets(rec, 2, type);
    rec_sets(rec, 3, key);
    rec_sets(rec, 4, role == ROLE_PLANTED ? "planted" : "lookalike");
    write_rec(c, F_TRUTH, rec);
    if (role == ROLE_PLANTED)
        c->planted++;
}

static void worker_key(const person_t *w, char *out, size_t cap)
{
    snprintf(out, cap, "%s:%s", nats[w->nat].iso, w->doc);
}

/* ---- shared helpers for the generators ---------------------------------------- */

static uint32_t pick_w8(rng_t *r, const uint8_t *w, size_t n)
{
    uint16_t w16[16];
    size_t i;
    for (i = 0; i < n && i < 16; i++)
        w16[i] = w[i];
    return pick_w(r, w16, n);
}

static int pick_occ(rng_t *r, int sector)
{
    return sectors[sector].occ[pick_w8(r, sectors[sector].occw, 8)];
}

static int pick_nat_for_sector(ctx_t *c, rng_t *r, int sector)
{
    return (int)pick_w32(r, c->nat_given_sec[sector], NNAT);
}

/* Nationality from a short list of (nationality, weight) pairs. */
static int pick_nat_list(rng_t *r, const int *list, const uint16_t *w, size_t n)
{
    return list[pick_w(r, w, n)];
}

/* A day in [lo, d_end] following the growth of the register over the years. */
static int32_t pick_day(ctx_t *c, rng_t *r, int32_t lo)
{
    static const uint16_t yw[4] = {21, 24, 27, 28};
    int i;
    if (lo < c->d_start)
        lo = c->d_start;
    if (lo > c->d_end)
        lo = c->d_end;
    for (i = 0; i < 8; i++) {
        int y = 2022 + (int)pick_w(r, yw, 4);
        int32_t a = days_from_civil(y, 1, 1), b = days_from_civil(y, 12, 31);
        int32_t d = a + (int32_t)rng_below(r, (uint32_t)(b - a + 1));
        if (d >= lo)
            return d;
    }
    return lo + (int32_t)rng_below(r, (uint32_t)(c->d_end - lo + 1));
}

static int32_t day_between(rng_t *r, int32_t lo, int32_t hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int32_t)rng_below(r, (uint32_t)(hi - lo + 1));
}

static int age_background(rng_t *r)
{
    int a = (int)rng_below(r, 18);
    return 20 + a + (int)rng_below(r, 18);
}

static char sex_for(rng_t *r, int occ)
{
    return rng_chance(r, occs[occ].female_pct / 100.0) ? 'F' : 'M';
}

static const char *const agency_words =
    "Recruitment|Manpower Services|Staffing|Employment Agency|Overseas Consultants|"
    "Travel & Jobs|HR Solutions|Global Workforce|Job Center|Personnel";

static void agency_new(ctx_t *c, rng_t *r, agency_t *a)
{
    char root[48];
    sb_t s;
    memset(a, 0, sizeof(*a));
    new_tin(c, a->id);
    a->account = new_account(c);
    sb_init(&s, root, sizeof(root));
    sb_part(&s, name_roots, rng_below(r, 64));
    sb_init(&s, a->name, sizeof(a->name));
    sb_adds(&s, root);
    sb_addc(&s, ' ');
    sb_part(&s, agency_words, rng_below(r, 16));
    if (rng_chance(r, 0.7))
        sb_adds(&s, " LLC");
    new_am_phone(c, r, 0, a->phone, sizeof(a->phone));
}

static void scheme_id(ctx_t *c, int planted, char out[16])
{
    sb_t s;
    sb_init(&s, out, 16);
    sb_addc(&s, planted ? 'S' : 'L');
    sb_addu(&s, planted ? ++c->scheme_no : ++c->look_no, 4);
}

static void truth_app_worker(ctx_t *c, const char *sid, int kind, const app_t *a,
                             int first, int role)
{
    char key[48];
    emit_truth(c, sid, kind, "application", a->id, role);
    if (first) {
        worker_key(a->w, key, sizeof(key));
        emit_truth(c, sid, kind, "worker", key, role);
    }
}

/* Same place, spelled as the first row did (prob `same`) or another way. */
static void spell_again(rng_t *r, const place_t *p, const char *first, double same,
                        char *out, size_t cap)
{
    sb_t s;
    sb_init(&s, out, cap);
    if (rng_chance(r, same))
        sb_adds(&s, first);
    else
        render_place(p, pick_style(r), r, &s);
}

/* Like spell_again(), but the first call (*used == 0) writes `first` exactly:
 * truth.csv names an address as the first planted row wrote it. */
static void spell_first(rng_t *r, const place_t *p, const char *first, int *used, double same,
                        char *out, size_t cap)
{
    spell_again(r, p, first, *used ? same : 1.0, out, cap);
    *used = 1;
}

/* The phone `e164` as this row writes it: E.164 the first time. */
static void phone_again(rng_t *r, const char *e164, int *used, char *out, size_t cap)
{
    if (!*used || rng_chance(r, 0.5)) {
        snprintf(out, cap, "%s", e164);
    } else {
        respell_am_phone(e164, (int)rng_int(r, 1, 5), out, cap);
    }
    *used = 1;
}

/* Vague background reports, each with the category a clerk would most
 * likely pick for it. */
/* A scheme's shared phone in a worker's row; the first use writes it in
 * E.164 and names it in truth.csv, so every truth phone is really used. */
static void planted_phone(ctx_t *c, rng_t *r, const char *sid, int kind, const char *e164,
                          int *used, char *out, size_t cap)
{
    if (!*used)
        emit_truth(c, sid, kind, "phone", e164, ROLE_PLANTED);
    phone_again(r, e164, used, out, cap);
}

static const struct {
    const char *text;
    int8_t cat;
} bg_summaries[] = {
    {"Caller asks whether a foreigner may work while the permit is being renewed.", -1},
    {"Neighbour reports several foreigners living in a basement; no details given.", 5},
    {"Worker says the salary is paid late, does not want to name the employer.", 0},
    {"Anonymous: foreign workers on a construction site without helmets.", 5},
    {"Relative abroad could not reach a worker for two weeks; later found, no problem.", 5},
    {"Complaint about unpaid overtime at @.", 0},
    {"Question about permit renewal, referred to the Migration and Citizenship Service.", -1},
    {"Неоплата сверхурочных, работник просит совета.", 0},
    {"Աշխատողը բողոքում է աշխատավարձի ուշացումից։", 0},
    {"Employer @ allegedly kept a passport \"for safety\"; the worker got it back the same day.",
     0},
    {"Woman asks for help to return home; no signs of exploitation found.", 5},
    {"Dispute over the last month's pay, resolved after a call from the inspectorate.", 0},
    {"Caller reports a car repair shop employing foreigners, maybe without permits.", 5},
    {"Student asks whether a part-time job in a cafe needs a work permit.", -1},
    {"Child seen selling flowers at night near a restaurant; could not be found later.", 3},
    {"Nanny says the family shouts at her; she has her passport and a day off.", 2},
    {"", -1},
};

static int bg_category(rng_t *r, int hint)
{
    double u = rng_unit(r);
    if (hint < 0)
        return u < 0.7 ? CAT_NONE : CAT_OTHER;
    return u < 0.6 ? hint : u < 0.85 ? CAT_NONE : CAT_OTHER;
}

static const char *bg_violation(rng_t *r)
{
    double u = rng_unit(r);
    return u < 0.62 ? "" : u < 0.72 ? "no_contract" : u < 0.80 ? "excessive_hours"
           : u < 0.88 ? "other" : u < 0.92 ? "unsafe_housing" : u < 0.96 ? "wage_arrears"
           : u < 0.98 ? "no_contract;excessive_hours" : u < 0.995 ? "wage_arrears;no_contract"
           : "documents_withheld";
}

/* ---- background employer ------------------------------------------------------- */

static void gen_background(ctx_t *c, const unit_t *u)
{
    employer_t *e = &c->emp[u->emp];
    rng_t r;
    uint32_t left = u->quota;
    int32_t first = e->registered ? e->registered + 30 : c->d_start;
    place_t shared;
    char shared_str[TXT];
    int shared_left = 0, have_last = 0;
    person_t w, last;
    int32_t last_sub = c->d_start;
    char key[48];

    rng_init(&r, c->seed, u->no);
    memset(&shared, 0, sizeof(shared));
    shared_str[0] = '\0';
    if (first < c->d_start)
        first = c->d_start;
    if (first > c->d_end - 60)
        first = c->d_end - 60;
    while (left > 0 && c->err == TW_OK) {
        int nat = rng_chance(&r, 0.55) ? e->dom_nat : pick_nat_for_sector(c, &r, e->sector);
        int occ = pick_occ(&r, e->sector);
        int32_t sub = pick_day(c, &r, first);
        const employer_t *cur = e;
        const agency_t *ag = NULL;
        char prev[24] = "";
        bstate_t bs = {0, 0, 0};
        uint32_t salary;
        int hours, months = rng_chance(&r, 0.93) ? 12 : 6;
        int age = age_background(&r);

        person_new(c, &r, &w, nat, sex_for(&r, occ), age, age, sub);
        person_contacts(c, &r, &w, 0.72);
        if ((e->flags & EF_HOUSEHOLD) && rng_chance(&r, 0.15)) {
            person_home(&r, &w, &e->place, pick_style(&r)); /* a live-in nanny */
        } else if (rng_chance(&r, 0.88)) {
            if (shared_left > 0 && rng_chance(&r, 0.5)) {
                spell_again(&r, &shared, shared_str, 0.7, w.home, sizeof(w.home));
                w.home_region = towns[shared.town].region;
                shared_left--;
            } else {
                place_t p;
                int town = rng_chance(&r, 0.8) ? e->place.town : 0;
                if (towns[town].village && rng_chance(&r, 0.5))
                    town = 0;
                place_random(&r, &p, town, town == 0 ? 1 : rng_chance(&r, 0.6));
                person_home(&r, &w, &p, pick_style(&r));
                if (rng_chance(&r, 0.12)) {
                    shared = p;
                    snprintf(shared_str, sizeof(shared_str), "%s", w.home);
                    shared_left = rng_int(&r, 1, 3);
                }
            }
        }
        salary = wage_for(&r, occ, e, sub);
        hours = hours_background(&r, e->sector);
        if (e->agency >= 0 && rng_below(&r, 100) < e->agency_pct)
            ag = &c->ag[e->agency];

        while (left > 0 && c->err == TW_OK) {
            app_t a;
            int renew, transfer;
            int32_t next_sub;

            memset(&a, 0, sizeof(a));
            a.w = &w;
            a.e = cur;
            a.ag = ag;
            a.occ = occ;
            a.salary = salary;
            a.hours = hours;
            a.sub = sub;
            a.months = months;
            a.prev = prev;
            a.want = -1;
            a.agency_submits = ag && rng_chance(&r, 0.7);
            a.role = ROLE_BG;
            emit_app(c, &r, &a);
            left--;
            if (a.sub > last_sub)
                last_sub = a.sub;
            renew = a.dec == D_APPROVED && left > 0 && rng_chance(&r, 0.5);
            next_sub = a.vto - (int32_t)rng_int(&r, 10, 60);
            transfer = renew && rng_chance(&r, 0.12);
            if (transfer && rng_chance(&r, 0.2))
                next_sub = a.vfrom + (int32_t)rng_int(&r, 30, 100); /* a quick move */
            if (next_sub > c->d_end - 5 || next_sub <= a.sub)
                renew = 0;
            border_background(c, &r, &w, &bs, &a, !renew, ROLE_BG);
            if (!renew) {
                if (a.dec == D_REJECTED && left > 0 && rng_chance(&r, 0.3) &&
                    a.dec_day + 60 < c->d_end) {
                    sub = a.dec_day + (int32_t)rng_int(&r, 10, 50); /* tries again */
                    prev[0] = '\0';
                    continue;
                }
                break;
            }
            snprintf(prev, sizeof(prev), "%s", a.id);
            if (transfer && c->sec_count[e->sector] > 1) {
                uint32_t idx = c->sec_first[e->sector] + rng_below(&r, c->sec_count[e->sector]);
                if (&c->emp[idx] != cur) {
                    cur = &c->emp[idx];
                    salary = wage_for(&r, occ, cur, next_sub);
                    ag = NULL;
                }
            } else {
                salary = (uint32_t)((uint64_t)salary * (1000 + rng_below(&r, 120)) / 1000 / 1000 *
                                    1000);
            }
            sub = next_sub;
            if (rng_chance(&r, 0.1))
                person_contacts(c, &r, &w, 0.8);
            if (rng_chance(&r, 0.15) && w.home[0]) {
                place_t p;
                place_random(&r, &p, rng_chance(&r, 0.8) ? cur->place.town : 0, 1);
                person_home(&r, &w, &p, pick_style(&r));
            }
        }
        if (!(e->flags & EF_NOLABEL) && rng_chance(&r, 0.0015)) {
            worker_key(&w, key, sizeof(key));
            emit_outcome(c, &r, "worker", key, 0, day_between(&r, sub, c->d_end), ROLE_BG);
        }
        last = w;
        have_last = 1;
    }
    if (c->err != TW_OK)
        return;
    {
        double p = (e->flags & EF_HOUSEHOLD) ? 0.005 : 0.04 + 0.004 * u->quota;
        int k, n = u->quota > 60 ? 3 : u->quota > 25 ? 2 : 1;
        if (p > 0.7)
            p = 0.7;
        for (k = 0; k < n; k++) {
            if (rng_chance(&r, p)) {
                int found = (int)rng_below(&r, u->quota / 3 + 2);
                int32_t day = day_between(&r, first + 60, c->d_end);
                int undeclared = rng_chance(&r, 0.9) ? 0 : rng_int(&r, 1, 3);
                emit_inspection(c, &r, e, day, found, undeclared, bg_violation(&r), ROLE_BG);
            }
        }
    }
    {
        double p = (e->flags & EF_HOUSEHOLD) ? 0.01 : 0.006 * u->quota;
        if (p > 0.6)
            p = 0.6;
        if (have_last && rng_chance(&r, p)) {
            static const uint16_t chw[7] = {40, 22, 10, 12, 5, 6, 5};
            report_t rp;
            char addr[TXT];
            sb_t s;
            unsigned si = rng_below(&r, NELEM(bg_summaries));
            memset(&rp, 0, sizeof(rp));
            rp.day = day_between(&r, first + 30, c->d_end);
            rp.channel = (int)pick_w(&r, chw, 7);
            rp.category = bg_category(&r, bg_summaries[si].cat);
            rp.subject = rng_chance(&r, 0.5) ? &last : NULL;
            rp.e = rng_chance(&r, 0.75) ? e : NULL;
            rp.with_tin = rng_chance(&r, 0.5);
            if (rng_chance(&r, 0.3)) {
                sb_init(&s, addr, sizeof(addr));
                sb_workplace(e, &r, &s);
                rp.address = addr;
            }
            rp.phone = (rng_chance(&r, 0.3) && last.phone[0]) ? last.phone : NULL;
            rp.summary = bg_summaries[si].text;
            rp.role = ROLE_BG;
            emit_report(c, &r, &rp);
        }
    }
    if (rng_chance(&r, 0.0025 * u->quota)) {
        /* a call about nothing in particular: no employer, sometimes a phone */
        static const uint16_t chw[7] = {60, 15, 5, 0, 5, 10, 5};
        report_t rp;
        char ph[40];
        unsigned si = rng_below(&r, NELEM(bg_summaries));
        memset(&rp, 0, sizeof(rp));
        rp.day = day_between(&r, c->d_start, c->d_end);
        rp.channel = (int)pick_w(&r, chw, 7);
        rp.category = bg_category(&r, bg_summaries[si].cat);
        if (rng_chance(&r, 0.4)) {
            new_am_phone(c, &r, (int)pick_w(&r, am_phone_style_w, 9), ph, sizeof(ph));
            rp.phone = ph;
        }
        rp.summary = bg_summaries[si].text;
        rp.role = ROLE_BG;
        emit_report(c, &r, &rp);
    }
    if (!(e->flags & EF_NOLABEL) && rng_chance(&r, 0.006))
        emit_outcome(c, &r, "employer", e->tin, 0, day_between(&r, last_sub, c->d_end), ROLE_BG);
}

/* ---- planted schemes -------------------------------------------------------------- */

static const char *const debt_summaries[] = {
    ("Workers from abroad say the agent keeps their passports and they have not been paid "
     "for months; they owe him about USD 1,500 for the trip."),
    ("Hotline call: about twenty men live in one flat and work 12 hours a day on a building "
     "site; the salary goes to the agent."),
    ("Рабочие жалуются: паспорта у посредника, зарплату не платят, требуют вернуть долг за "
     "дорогу."),
    ("NGO outreach: construction workers of @ say they cannot leave until they repay the "
     "recruitment fee."),
    "Caller: my brother works for @, the agent took his passport at the airport.",
};
static const char *const debt_violations[] = {
    "wage_arrears;documents_withheld", "wage_arrears", "documents_withheld;unsafe_housing",
    "wage_arrears;excessive_hours;documents_withheld", "unsafe_housing;no_contract",
    "wage_arrears;documents_withheld;unsafe_housing"};
static const char *const sex_summaries[] = {
    ("Young women brought as dancers are made to sit with clients; passports are held by "
     "the administrator."),
    "Девушек заставляют работать с клиентами, паспорта у администратора, выходить нельзя.",
    ("Police: a woman working at @ asked for help, says she was told she owes money for the "
     "ticket."),
    "NGO: waitresses live above the premises and are not allowed out alone.",
    "Anonymous: girls from abroad at @ work every night until 6 am.",
};
static const char *const dom_summaries[] = {
    ("Housemaid not allowed to leave the house, works from 6 am to midnight, the employer "
     "keeps her passport."),
    ("Consulate: a domestic worker says she has not been paid for five months and sleeps in "
     "the kitchen."),
    "Neighbour: a foreign woman cleans the house every day and is never seen outside alone.",
    "Домработница говорит, что ей не платят и не отдают паспорт.",
};
static const char *const shell_summaries[] = {
    ("Company suspected of selling work permits; the workers were never seen at the "
     "registered address."),
    ("Police: foreign nationals with permits from @ stopped at the border on their way to "
     "the EU."),
    "The office at the registered address is closed; nobody in the building knows @.",
};
static const char *const agri_summaries[] = {
    ("Seasonal workers on a farm say they work 12 hours a day and sleep in a barn; the pay "
     "goes to the brigadier."),
    "Работники фермы жалуются на долг перед посредником и отсутствие оплаты.",
    "NGO: farm workers' documents are kept by the intermediary, they cannot go home.",
    "Hotline: workers picking apricots at @ have not been paid since June.",
};
static const char *const agri_violations[] = {
    "wage_arrears;excessive_hours;unsafe_housing", "excessive_hours;unsafe_housing",
    "wage_arrears;documents_withheld", "unsafe_housing", "wage_arrears;excessive_hours"};

static void canonical_wp(const employer_t *e, char *out, size_t cap)
{
    rng_t fixed;
    sb_t s;
    rng_init(&fixed, e->seed, 7);
    sb_init(&s, out, cap);
    render_place(&e->place, e->wp_style, &fixed, &s);
}

static void render_new(rng_t *r, const place_t *p, char *out, size_t cap)
{
    sb_t s;
    sb_init(&s, out, cap);
    render_place(p, pick_style(r), r, &s);
}

static uint32_t round_to(uint32_t x, uint32_t step)
{
    return (x + step / 2) / step * step;
}

/* A report about a scheme: the day, channel and category; the caller sets
 * the rest field by field (one draw per statement: see cross()). */
static void scheme_report_init(report_t *rp, rng_t *r, int32_t day, const uint16_t *chw)
{
    memset(rp, 0, sizeof(*rp));
    rp->day = day;
    rp->channel = (int)pick_w(r, chw, 7);
    rp->with_tin = rng_chance(r, 0.4);
    rp->category = CAT_NONE;
    rp->role = ROLE_PLANTED;
}

/* (1) Debt bondage: one agent, 15-40 South Asian men, a construction site. */
static void gen_debt(ctx_t *c, const unit_t *u)
{
    static const int natl[] = {N_IND, N_NPL, N_BGD, N_LKA};
    static const uint16_t natw[] = {45, 25, 20, 10};
    rng_t r;
    employer_t local;
    const employer_t *e;
    agency_t ag;
    char sid[16], flat_str[TXT], flat2_str[TXT], key[48], tmp[TXT];
    place_t flat, flat2;
    int has_flat2, flat_used = 0, flat2_used = 0, nat1, nat2, nw, wage_mode, hours_lo, hours_hi;
    int phone_used = 0, labelled, nmem = 0, k;
    double p_phone, p_flat;
    int32_t start, wave_day[4], wave_in[4], wave_sec[4], label_day, last_day;
    uint32_t left = u->quota, renewals, first_quota;

    rng_init(&r, c->seed, u->no);
    scheme_id(c, 1, sid);
    c->schemes++;
    start = day_between(&r, c->d_start + 30, c->d_end - 330);
    if (u->emp >= 0) {
        e = &c->emp[u->emp];
        if (e->registered && start < e->registered + 60)
            start = e->registered + 60;
    } else {
        int sec = rng_chance(&r, 0.7) ? S41 : S43;
        int32_t reg = start - (int32_t)rng_int(&r, 2 * 365, 12 * 365);
        employer_new(c, &r, &local, sec, reg);
        local.declared = (uint32_t)rng_int(&r, 12, 60);
        local.flags |= EF_SCHEME;
        e = &local;
    }
    if (start > c->d_end - 200)
        start = c->d_end - 200;
    agency_new(c, &r, &ag);
    place_random(&r, &flat, rng_chance(&r, 0.75) ? 0 : e->place.town, 1);
    if (towns[flat.town].village)
        place_random(&r, &flat, 0, 1);
    render_new(&r, &flat, flat_str, sizeof(flat_str));
    has_flat2 = rng_chance(&r, 0.4);
    place_random(&r, &flat2, 0, 1);
    render_new(&r, &flat2, flat2_str, sizeof(flat2_str));
    nat1 = pick_nat_list(&r, natl, natw, 4);
    nat2 = rng_chance(&r, 0.3) ? pick_nat_list(&r, natl, natw, 4) : nat1;
    nw = rng_int(&r, 2, 4);
    for (k = 0; k < nw; k++) {
        wave_day[k] = start + k * (int32_t)rng_int(&r, 20, 60);
        wave_sec[k] = (int32_t)rng_int(&r, 2 * 3600, 5 * 3600);
        wave_in[k] = 0;
    }
    wage_mode = (int)rng_below(&r, 10);
    k = (int)rng_below(&r, 10);
    hours_lo = k < 3 ? 40 : k < 5 ? 48 : 54;
    hours_hi = k < 3 ? 40 : k < 5 ? 48 : 60;
    p_phone = rng_chance(&r, 0.8) ? 0.3 + 0.3 * rng_unit(&r) : 0.0;
    p_flat = 0.5 + 0.4 * rng_unit(&r);
    label_day = start + (int32_t)rng_int(&r, 300, 500);
    labelled = rng_chance(&r, 0.7) && label_day <= c->d_end;

    emit_truth(c, sid, u->kind, "employer", e->tin, ROLE_PLANTED);
    emit_truth(c, sid, u->kind, "intermediary", ag.id, ROLE_PLANTED);
    emit_truth(c, sid, u->kind, "address", flat_str, ROLE_PLANTED);

    renewals = (start + 420 < c->d_end) ? left * 3 / 10 : 0;
    first_quota = left - renewals;
    last_day = start;
    while (left > renewals && nmem < MAXGROUP && c->err == TW_OK) {
        member_t *m = &c->group[nmem];
        int wave = (int)((uint32_t)nmem * (uint32_t)nw / first_quota), occ;
        app_t a;
        double x = rng_unit(&r);

        if (wave >= nw)
            wave = nw - 1;
        memset(m, 0, sizeof(*m));
        k = rng_chance(&r, 0.7) ? nat1 : nat2;
        person_new(c, &r, &m->w, k, 'M', 20, 40, wave_day[wave]);
        if (rng_chance(&r, p_phone))
            planted_phone(c, &r, sid, u->kind, ag.phone, &phone_used, m->w.phone,
                          sizeof(m->w.phone));
        else if (rng_chance(&r, 0.4))
            new_am_phone(c, &r, (int)pick_w(&r, am_phone_style_w, 9), m->w.phone,
                         sizeof(m->w.phone));
        if (rng_chance(&r, p_flat) || !flat_used) {
            spell_first(&r, &flat, flat_str, &flat_used, 0.7, m->w.home, sizeof(m->w.home));
            m->w.home_region = towns[flat.town].region;
        } else if (has_flat2 && rng_chance(&r, 0.6)) {
            if (!flat2_used)
                emit_truth(c, sid, u->kind, "address", flat2_str, ROLE_PLANTED);
            spell_first(&r, &flat2, flat2_str, &flat2_used, 0.7, m->w.home, sizeof(m->w.home));
            m->w.home_region = towns[flat2.town].region;
        } else if (rng_chance(&r, 0.5)) {
            place_t p;
            place_random(&r, &p, 0, 1);
            person_home(&r, &m->w, &p, pick_style(&r));
        }
        occ = x < 0.6 ? O_LABOURER : x < 0.85 ? O_BRICKLAYER : x < 0.93 ? O_CARPENTER : O_WELDER;
        m->occ = occ;
        if (wage_mode < 5)
            m->salary = (uint32_t)min_wage(wave_day[wave]);
        else if (wage_mode < 7)
            m->salary = (uint32_t)min_wage(wave_day[wave]) - 1000 * rng_below(&r, 16) - 5000;
        else if (wage_mode < 9)
            m->salary = round_to((uint32_t)(occs[occ].median * (0.40 + 0.15 * rng_unit(&r))), 5000);
        else
            m->salary = wage_for(&r, occ, e, wave_day[wave]);
        if (m->salary < 30000)
            m->salary = 30000;
        m->hours = rng_int(&r, hours_lo, hours_hi);
        memset(&a, 0, sizeof(a));
        a.w = &m->w;
        a.e = e;
        a.ag = &ag;
        a.occ = occ;
        a.salary = m->salary;
        a.hours = m->hours;
        a.sub = wave_day[wave] + (int32_t)rng_below(&r, 3);
        a.months = 12;
        a.prev = "";
        a.want = rng_chance(&r, 0.92) ? D_APPROVED : -1;
        a.agency_submits = rng_chance(&r, 0.85);
        a.role = ROLE_PLANTED;
        emit_app(c, &r, &a);
        left--;
        truth_app_worker(c, sid, u->kind, &a, 1, ROLE_PLANTED);
        snprintf(m->app, sizeof(m->app), "%s", a.id);
        m->dec = a.dec;
        m->vfrom = a.vfrom;
        m->vto = a.vto;
        if (a.dec == D_APPROVED || a.dec == D_REVOKED) {
            if (!wave_in[wave])
                wave_in[wave] = a.vfrom - (int32_t)rng_int(&r, 1, 7);
            int32_t sec = wave_sec[wave] + (int32_t)rng_below(&r, 1500);
            const char *purpose = rng_chance(&r, 0.8) ? "work" : "tourism";
            cross(c, &r, &m->w, &m->bs, wave_in[wave], sec, 1, PT_ZVARTNOTS, purpose,
                  ROLE_PLANTED);
            if (rng_chance(&r, 0.15))
                cross(c, &r, &m->w, &m->bs, a.vfrom + (int32_t)rng_int(&r, 60, 250),
                      -1, 0, PT_ZVARTNOTS, "", ROLE_PLANTED);
        }
        if (a.sub > last_day)
            last_day = a.sub;
        if (labelled && rng_chance(&r, 0.45)) {
            worker_key(&m->w, key, sizeof(key));
            emit_outcome(c, &r, "worker", key, 1, label_day, ROLE_PLANTED);
        }
        nmem++;
    }
    for (k = 0; left > 0 && nmem > 0 && c->err == TW_OK; k++) {
        member_t *m = &c->group[k % nmem];
        app_t a;
        memset(&a, 0, sizeof(a));
        a.w = &m->w;
        a.e = e;
        a.ag = &ag;
        a.occ = m->occ;
        a.salary = m->salary;
        a.hours = m->hours;
        a.sub = m->vto ? m->vto - (int32_t)rng_int(&r, 10, 40) : last_day + 30;
        if (a.sub > c->d_end - 5)
            a.sub = c->d_end - 5;
        a.months = 12;
        a.prev = m->dec == D_APPROVED ? m->app : "";
        a.want = D_APPROVED;
        a.agency_submits = rng_chance(&r, 0.85);
        a.role = ROLE_PLANTED;
        emit_app(c, &r, &a);
        left--;
        truth_app_worker(c, sid, u->kind, &a, 0, ROLE_PLANTED);
        snprintf(m->app, sizeof(m->app), "%s", a.id);
        m->dec = a.dec;
        if (a.dec == D_APPROVED)
            m->vto = a.vto;
        if (a.sub > last_day)
            last_day = a.sub;
    }
    for (k = 0; k < nmem; k++) {
        member_t *m = &c->group[k];
        if (m->bs.inside && m->vto && rng_chance(&r, 0.3))
            cross(c, &r, &m->w, &m->bs, m->vto + (int32_t)rng_int(&r, -20, 30),
                  -1, 0, PT_ZVARTNOTS, "", ROLE_PLANTED);
    }
    if (nmem > 0 && rng_chance(&r, 0.7)) {
        int found = nmem / 2 + (int)rng_below(&r, (uint32_t)nmem / 2 + 1);
        int32_t day = start + (int32_t)rng_int(&r, 120, 300);
        int undeclared = rng_int(&r, 0, 4);
        emit_inspection(c, &r, e, day, found, undeclared,
                        debt_violations[rng_below(&r, NELEM(debt_violations))], ROLE_PLANTED);
    }
    for (k = 0; k < 2 && nmem > 0; k++) {
        char ph[40];
        if (!rng_chance(&r, k == 0 ? 0.6 : 0.3))
            break;
        respell_am_phone(ag.phone, (int)rng_int(&r, 0, 5), ph, sizeof(ph));
        spell_again(&r, &flat, flat_str, 0.2, tmp, sizeof(tmp));
        {
            static const uint16_t chw[7] = {50, 30, 10, 0, 10, 0, 0};
            report_t rp;
            scheme_report_init(&rp, &r, start + (int32_t)rng_int(&r, 60, 420), chw);
            rp.category = rng_chance(&r, 0.85) ? CAT_FORCED : CAT_NONE;
            rp.subject = rng_chance(&r, 0.7) ? &c->group[rng_below(&r, (uint32_t)nmem)].w : NULL;
            rp.e = rng_chance(&r, 0.8) ? e : NULL;
            rp.address = rng_chance(&r, 0.6) ? tmp : NULL;
            rp.phone = rng_chance(&r, 0.7) ? ph : NULL;
            rp.summary = debt_summaries[rng_below(&r, NELEM(debt_summaries))];
            emit_report(c, &r, &rp);
        }
    }
    if (labelled) {
        emit_outcome(c, &r, "employer", e->tin, 1, label_day, ROLE_PLANTED);
        if (rng_chance(&r, 0.85))
            emit_outcome(c, &r, "intermediary", ag.id, 1, label_day, ROLE_PLANTED);
    }
}

/* (2) Sexual exploitation behind dancer and waitress permits. */
static void gen_sexual(ctx_t *c, const unit_t *u)
{
    static const int natl[] = {N_UKR, N_RUS, N_BLR, N_UZB, N_KGZ};
    static const uint16_t natw[] = {30, 25, 15, 15, 15};
    rng_t r;
    employer_t e;
    char sid[16], wp[TXT], res_str[TXT], mgr[24], key[48], tmp[TXT];
    place_t res;
    int club, at_work, nat1, nat2, minor, occ, months, labelled, hours_lo, hours_hi, k;
    int phone_used = 0, res_used = 0, nmem = 0, pb0 = 0, pb1 = 0, pay_mode;
    double p_mgr;
    int32_t start, bday, label_day;
    uint32_t left = u->quota;

    rng_init(&r, c->seed, u->no);
    scheme_id(c, 1, sid);
    c->schemes++;
    start = day_between(&r, c->d_start + 30, c->d_end - 240);
    club = rng_chance(&r, 0.6);
    employer_new(c, &r, &e, club ? S93 : S56, start - (int32_t)rng_int(&r, 2 * 365, 12 * 365));
    make_company_name(&r, club ? "Night Club|Show Bar|Cabaret|Lounge|Club|Dance Club"
                               : "Restaurant|Lounge Restaurant|Bar & Grill|Restaurant Complex",
                      e.name, sizeof(e.name));
    k = rng_chance(&r, 0.8) ? 0 : rng_chance(&r, 0.5) ? 4 : 13; /* Yerevan, Tsaghkadzor, Gyumri */
    place_random(&r, &e.place, k, 0);
    e.declared = (uint32_t)rng_int(&r, 8, 25);
    e.flags |= EF_SCHEME;
    canonical_wp(&e, wp, sizeof(wp));
    at_work = rng_chance(&r, 0.5);
    if (at_work) {
        res = e.place;
        snprintf(res_str, sizeof(res_str), "%s", wp);
    } else {
        place_random(&r, &res, e.place.town, 1);
        render_new(&r, &res, res_str, sizeof(res_str));
    }
    p_mgr = rng_chance(&r, 0.35) ? 0.4 + 0.3 * rng_unit(&r) : 0.0;
    new_am_phone(c, &r, 0, mgr, sizeof(mgr));
    nat1 = pick_nat_list(&r, natl, natw, 5);
    nat2 = rng_chance(&r, 0.4) ? pick_nat_list(&r, natl, natw, 5) : nat1;
    minor = rng_chance(&r, 0.2);
    occ = club ? (rng_chance(&r, 0.8) ? O_DANCER : O_ARTIST)
               : (rng_chance(&r, 0.85) ? O_WAITER : O_BARTENDER);
    months = rng_chance(&r, 0.5) ? 3 : 6;
    k = (int)rng_below(&r, 10);
    hours_lo = k < 7 ? 54 : 40;
    hours_hi = k < 7 ? 72 : 40;
    pay_mode = (int)rng_below(&r, 10);
    label_day = start + (int32_t)rng_int(&r, 200, 450);
    labelled = rng_chance(&r, 0.65) && label_day <= c->d_end;

    emit_truth(c, sid, u->kind, "employer", e.tin, ROLE_PLANTED);
    emit_truth(c, sid, u->kind, "address", res_str, ROLE_PLANTED);

    bday = start;
    while (left > 0 && c->err == TW_OK) {
        uint32_t bsize = (uint32_t)rng_int(&r, 4, 8), done = 0;
        int j, nb0 = nmem;
        if (bsize > left)
            bsize = left;
        if (bday > c->d_end - 20)
            bday = c->d_end - 20;
        for (j = pb0; j < pb1 && done < bsize; j++) {
            member_t *m = &c->group[j];
            if (m->dec == D_APPROVED && rng_chance(&r, 0.25) && nmem < MAXGROUP) {
                /* she comes back for another season: same person, new permit */
                member_t *n = &c->group[nmem++];
                *n = *m; /* n->app is her last application: the renewal links it */
                n->dec = -1; /* marks a returner */
                done++;
            }
        }
        while (done < bsize && nmem < MAXGROUP) {
            member_t *m = &c->group[nmem++];
            int age = (minor && nmem == 1) ? 17 : rng_int(&r, 18, 24);
            memset(m, 0, sizeof(*m));
            person_new(c, &r, &m->w, rng_chance(&r, 0.7) ? nat1 : nat2, 'F', age, age, bday);
            if (age == 17)
                m->w.birth = bday - 17 * 365 - (int32_t)rng_below(&r, 300);
            if (rng_chance(&r, p_mgr))
                planted_phone(c, &r, sid, u->kind, mgr, &phone_used, m->w.phone,
                              sizeof(m->w.phone));
            else if (rng_chance(&r, 0.5))
                new_foreign_phone(c, &r, m->w.nat, m->w.phone, sizeof(m->w.phone));
            if (rng_chance(&r, 0.3))
                make_email(&r, &m->w, m->w.email, sizeof(m->w.email));
            spell_first(&r, &res, res_str, &res_used, 0.7, m->w.home, sizeof(m->w.home));
            m->w.home_region = towns[res.town].region;
            m->app[0] = '\0';
            m->dec = -2; /* new */
            done++;
        }
        if (done == 0)
            break;
        for (j = nb0; j < nmem && left > 0 && c->err == TW_OK; j++) {
            member_t *m = &c->group[j];
            app_t a;
            int returner = m->dec == -1;
            memset(&a, 0, sizeof(a));
            a.w = &m->w;
            a.e = &e;
            a.occ = occ;
            a.salary = pay_mode < 5 ? (uint32_t)min_wage(bday)
                       : pay_mode < 8 ? (uint32_t)rng_int(&r, 16, 20) * 5000
                                      : (uint32_t)rng_int(&r, 40, 50) * 5000;
            a.hours = rng_int(&r, hours_lo, hours_hi);
            a.sub = bday + (int32_t)rng_below(&r, 4);
            a.months = months;
            a.prev = returner ? m->app : "";
            a.want = rng_chance(&r, 0.93) ? D_APPROVED : -1;
            a.wp = rng_chance(&r, 0.8) ? wp : NULL;
            a.role = ROLE_PLANTED;
            emit_app(c, &r, &a);
            left--;
            truth_app_worker(c, sid, u->kind, &a, !returner, ROLE_PLANTED);
            snprintf(m->app, sizeof(m->app), "%s", a.id);
            m->dec = a.dec;
            m->vfrom = a.vfrom;
            m->vto = a.vto;
            if (a.dec == D_APPROVED) {
                int pt = pick_point(&r, m->w.nat);
                int32_t in_day = a.vfrom - (int32_t)rng_int(&r, 0, 5);
                const char *purpose =
                    rng_chance(&r, 0.5) ? "work" : rng_chance(&r, 0.6) ? "tourism" : "private";
                cross(c, &r, &m->w, &m->bs, in_day, -1, 1, pt, purpose, ROLE_PLANTED);
                if (rng_chance(&r, 0.2)) { /* a visa run */
                    int32_t d = a.vfrom + (int32_t)rng_int(&r, 20, 45);
                    cross(c, &r, &m->w, &m->bs, d, -1, 0, PT_BAGRATASHEN, "",
                          ROLE_PLANTED);
                    cross(c, &r, &m->w, &m->bs, d + 1, -1, 1, PT_BAGRATASHEN,
                          "tourism", ROLE_PLANTED);
                }
                if (rng_chance(&r, 0.8))
                    cross(c, &r, &m->w, &m->bs, a.vto + (int32_t)rng_int(&r, -5, 3),
                          -1, 0, pt, "", ROLE_PLANTED);
            }
            if (labelled && !returner && rng_chance(&r, 0.4)) {
                worker_key(&m->w, key, sizeof(key));
                emit_outcome(c, &r, "worker", key, 1, label_day, ROLE_PLANTED);
            }
        }
        pb0 = nb0;
        pb1 = nmem;
        bday += months * 30 + (int32_t)rng_int(&r, -20, 40);
        if (nmem >= MAXGROUP)
            break;
    }
    if (nmem > 0 && rng_chance(&r, 0.7)) {
        spell_again(&r, &res, res_str, 0.3, tmp, sizeof(tmp));
        static const uint16_t chw[7] = {30, 40, 30, 0, 0, 0, 0};
        report_t rp;
        scheme_report_init(&rp, &r, start + (int32_t)rng_int(&r, 30, 300), chw);
        rp.category = rng_chance(&r, 0.8) ? CAT_SEXUAL : rng_chance(&r, 0.5) ? CAT_OTHER : CAT_NONE;
        rp.subject = &c->group[rng_below(&r, (uint32_t)nmem)].w;
        rp.e = &e;
        rp.address = rng_chance(&r, 0.6) ? tmp : NULL;
        rp.phone = p_mgr > 0 ? mgr : NULL;
        rp.summary = sex_summaries[rng_below(&r, NELEM(sex_summaries))];
        emit_report(c, &r, &rp);
    }
    if (rng_chance(&r, 0.25)) {
        int32_t day = start + (int32_t)rng_int(&r, 60, 300);
        int found = rng_int(&r, 2, 8);
        const char *v = rng_chance(&r, 0.4) ? ""
                        : rng_chance(&r, 0.5) ? "excessive_hours" : "no_contract;excessive_hours";
        emit_inspection(c, &r, &e, day, found, 0, v, ROLE_PLANTED);
    }
    if (labelled)
        emit_outcome(c, &r, "employer", e.tin, 1, label_day, ROLE_PLANTED);
}

/* (3) Live-in domestic servitude: households with one domestic worker each. */
static void gen_domestic(ctx_t *c, const unit_t *u)
{
    static const int natl[] = {N_PHL, N_LKA, N_ETH, N_IND};
    static const uint16_t natw[] = {40, 25, 20, 15};
    rng_t r;
    agency_t ag;
    int use_ag, ag_said = 0, ag_labelled = 0;
    char sid[16], key[48], wp[TXT], tmp[TXT];
    uint32_t left = u->quota;

    rng_init(&r, c->seed, u->no);
    scheme_id(c, 1, sid);
    c->schemes++;
    use_ag = rng_chance(&r, 0.5);
    agency_new(c, &r, &ag);
    while (left > 0 && c->err == TW_OK) {
        employer_t e;
        person_t w;
        bstate_t bs = {0, 0, 0};
        int32_t sub = day_between(&r, c->d_start + 30, c->d_end - 150), label_day;
        int occ, hours, labelled, nat, first = 1;
        uint32_t salary;
        double x = rng_unit(&r);
        char prev[24] = "";
        int32_t vto = 0;

        employer_new(c, &r, &e, S97,
                     rng_chance(&r, 0.4) ? sub - (int32_t)rng_int(&r, 300, 5000) : 0);
        e.flags |= EF_SCHEME;
        if (rng_chance(&r, 0.7)) {
            place_random(&r, &e.place, 0, 1);
        } else {
            place_random(&r, &e.place, 1 + (int)rng_below(&r, 3), 0); /* a house in Kotayk */
        }
        canonical_wp(&e, wp, sizeof(wp));
        nat = pick_nat_list(&r, natl, natw, 4);
        person_new(c, &r, &w, nat, rng_chance(&r, 0.9) ? 'F' : 'M', 25, 50, sub);
        if (rng_chance(&r, 0.5))
            new_am_phone(c, &r, (int)pick_w(&r, am_phone_style_w, 9), w.phone, sizeof(w.phone));
        spell_again(&r, &e.place, wp, 0.5, w.home, sizeof(w.home));
        w.home_region = towns[e.place.town].region;
        occ = x < 0.55 ? O_DOMESTIC : x < 0.8 ? O_CHILDCARE : O_HOMECARE;
        hours = rng_chance(&r, 0.8) ? rng_int(&r, 60, 80) : 48;
        x = rng_unit(&r);
        salary = x < 0.6 ? (uint32_t)rng_int(&r, 6, 12) * 5000
                 : x < 0.85 ? (uint32_t)min_wage(sub) : (uint32_t)rng_int(&r, 18, 22) * 5000;
        label_day = sub + (int32_t)rng_int(&r, 200, 500);
        labelled = rng_chance(&r, 0.65) && label_day <= c->d_end;
        emit_truth(c, sid, u->kind, "employer", e.tin, ROLE_PLANTED);
        emit_truth(c, sid, u->kind, "address", w.home, ROLE_PLANTED);
        if (use_ag && !ag_said) {
            emit_truth(c, sid, u->kind, "intermediary", ag.id, ROLE_PLANTED);
            ag_said = 1;
        }
        while (left > 0 && c->err == TW_OK) {
            app_t a;
            memset(&a, 0, sizeof(a));
            a.w = &w;
            a.e = &e;
            a.ag = use_ag ? &ag : NULL;
            a.occ = occ;
            a.salary = salary;
            a.hours = hours;
            a.sub = sub;
            a.months = 12;
            a.prev = prev;
            a.want = D_APPROVED;
            a.agency_submits = use_ag && rng_chance(&r, 0.5);
            a.wp = rng_chance(&r, 0.8) ? wp : NULL;
            a.role = ROLE_PLANTED;
            emit_app(c, &r, &a);
            left--;
            truth_app_worker(c, sid, u->kind, &a, first, ROLE_PLANTED);
            first = 0;
            if (a.dec == D_APPROVED) {
                cross(c, &r, &w, &bs, a.vfrom - (int32_t)rng_int(&r, 0, 15), -1,
                      1, -1, "work", ROLE_PLANTED);
                vto = a.vto;
            }
            snprintf(prev, sizeof(prev), "%s", a.id);
            sub = a.vto - (int32_t)rng_int(&r, 10, 40);
            if (a.dec != D_APPROVED || sub > c->d_end - 5 || !rng_chance(&r, 0.6))
                break;
        }
        if (vto && rng_chance(&r, 0.15))
            cross(c, &r, &w, &bs, vto + (int32_t)rng_int(&r, 0, 20), -1, 0,
                  PT_ZVARTNOTS, "", ROLE_PLANTED);
        if (rng_chance(&r, 0.4)) {
            spell_again(&r, &e.place, wp, 0.4, tmp, sizeof(tmp));
            static const uint16_t chw[7] = {40, 30, 0, 0, 30, 0, 0};
            report_t rp;
            scheme_report_init(&rp, &r, label_day - (int32_t)rng_int(&r, 30, 150), chw);
            rp.category = rng_chance(&r, 0.85) ? CAT_DOMESTIC : CAT_OTHER;
            rp.subject = &w;
            rp.e = rng_chance(&r, 0.6) ? &e : NULL;
            rp.address = tmp;
            rp.summary = dom_summaries[rng_below(&r, NELEM(dom_summaries))];
            emit_report(c, &r, &rp);
        }
        if (rng_chance(&r, 0.08))
            emit_inspection(c, &r, &e, sub + (int32_t)rng_int(&r, -200, -30), 1, 0,
                            "excessive_hours;wage_arrears", ROLE_PLANTED);
        if (labelled) {
            worker_key(&w, key, sizeof(key));
            emit_outcome(c, &r, "worker", key, 1, label_day, ROLE_PLANTED);
            if (rng_chance(&r, 0.85))
                emit_outcome(c, &r, "employer", e.tin, 1, label_day, ROLE_PLANTED);
            if (use_ag && !ag_labelled && rng_chance(&r, 0.85)) {
                emit_outcome(c, &r, "intermediary", ag.id, 1, label_day, ROLE_PLANTED);
                ag_labelled = 1;
            }
        }
    }
}

/* (4) Shell employers: new companies asking for dozens of permits. */
static void gen_shell(ctx_t *c, const unit_t *u)
{
    static const int natl[] = {N_IND, N_BGD, N_PAK, N_NPL, N_EGY, N_SYR, N_IRN, N_LKA};
    static const uint16_t natw[] = {25, 20, 15, 10, 10, 8, 6, 6};
    static const int shell_sec[] = {S46, S47, S41, S43, S56, S10};
    static const int misfit[] = {O_BRICKLAYER, O_LABOURER, O_WELDER, O_COOK, O_SALES,
                                 O_DRIVER, O_FREIGHT};
    rng_t r;
    char sid[16], office_str[TXT], org_phone[24], key[48];
    place_t office;
    int ncomp, k, shared_office, phone_used = 0;
    uint32_t shared_acct, left = u->quota;
    double p_phone;
    int32_t start;

    rng_init(&r, c->seed, u->no);
    scheme_id(c, 1, sid);
    c->schemes++;
    ncomp = 1 + (int)rng_below(&r, 3);
    if ((uint32_t)ncomp > left / 5)
        ncomp = left / 5 > 0 ? (int)(left / 5) : 1;
    shared_acct = rng_chance(&r, 0.7) ? new_account(c) : 0;
    shared_office = rng_chance(&r, 0.5);
    place_random(&r, &office, 0, 0);
    office.street = (uint8_t)(rng_chance(&r, 0.5) ? 30 : rng_below(&r, NYSTREET));
    office.unit = UNIT_OFFICE;
    office.flat = (uint16_t)rng_int(&r, 1, 40);
    render_new(&r, &office, office_str, sizeof(office_str));
    p_phone = rng_chance(&r, 0.4) ? 0.3 + 0.4 * rng_unit(&r) : 0.0;
    new_am_phone(c, &r, 0, org_phone, sizeof(org_phone));
    start = day_between(&r, c->d_start + 60, c->d_end - 250);
    if (shared_office)
        emit_truth(c, sid, u->kind, "address", office_str, ROLE_PLANTED);

    for (k = 0; k < ncomp && c->err == TW_OK; k++) {
        employer_t e;
        uint32_t q = left / (uint32_t)(ncomp - k), j;
        int32_t sk = start + k * (int32_t)rng_int(&r, 10, 60), burst = (int32_t)rng_int(&r, 30, 90);
        int32_t insp_day = sk + (int32_t)rng_int(&r, 120, 240);
        int inspected = rng_chance(&r, 0.45) && insp_day <= c->d_end;
        int revoke = inspected && rng_chance(&r, 0.6);
        uint32_t fixed_wage = rng_chance(&r, 0.6) ? (uint32_t)rng_int(&r, 20, 30) * 5000 : 0;
        char wp[TXT];
        int32_t label_day = insp_day + (int32_t)rng_int(&r, 30, 120);
        int labelled = rng_chance(&r, 0.65) && label_day <= c->d_end;

        int sec = shell_sec[rng_below(&r, NELEM(shell_sec))];
        employer_new(c, &r, &e, sec, sk - (int32_t)rng_int(&r, 7, 60));
        e.declared = (uint32_t)rng_int(&r, 1, 3);
        e.flags |= EF_SCHEME;
        if (shared_office) {
            e.place = office;
            snprintf(wp, sizeof(wp), "%s", office_str);
        } else {
            canonical_wp(&e, wp, sizeof(wp));
        }
        emit_truth(c, sid, u->kind, "employer", e.tin, ROLE_PLANTED);
        for (j = 0; j < q && left > 0 && c->err == TW_OK; j++) {
            person_t w;
            bstate_t bs = {0, 0, 0};
            app_t a;
            int nat = pick_nat_list(&r, natl, natw, NELEM(natl));
            int occ = rng_chance(&r, 0.5) ? misfit[rng_below(&r, NELEM(misfit))]
                                          : pick_occ(&r, e.sector);
            int32_t sub = sk + (int32_t)rng_below(&r, (uint32_t)burst);
            person_new(c, &r, &w, nat, rng_chance(&r, 0.92) ? 'M' : 'F', 20, 45, sub);
            if (rng_chance(&r, p_phone))
                planted_phone(c, &r, sid, u->kind, org_phone, &phone_used, w.phone,
                              sizeof(w.phone));
            else if (rng_chance(&r, 0.5))
                new_foreign_phone(c, &r, nat, w.phone, sizeof(w.phone));
            {
                double x = rng_unit(&r);
                if (x < 0.2) {
                    spell_again(&r, &e.place, wp, 0.8, w.home, sizeof(w.home));
                    w.home_region = R_ER;
                } else if (x < 0.5) {
                    place_t p;
                    place_random(&r, &p, 0, 1);
                    person_home(&r, &w, &p, pick_style(&r));
                }
            }
            memset(&a, 0, sizeof(a));
            a.w = &w;
            a.e = &e;
            a.occ = occ;
            a.salary = fixed_wage ? fixed_wage : (uint32_t)min_wage(sub);
            a.hours = 40;
            a.sub = sub;
            a.months = 12;
            a.prev = "";
            {
                double x = rng_unit(&r);
                a.want = x < 0.85 ? D_APPROVED : x < 0.95 ? D_REJECTED : D_WITHDRAWN;
            }
            if (a.want == D_APPROVED && revoke && rng_chance(&r, 0.5)) {
                a.want = D_REVOKED;
                a.revoke_on = insp_day + (int32_t)rng_int(&r, 10, 60);
            }
            a.shared_account = (int)shared_acct;
            a.wp = wp;
            a.role = ROLE_PLANTED;
            emit_app(c, &r, &a);
            left--;
            truth_app_worker(c, sid, u->kind, &a, 1, ROLE_PLANTED);
            if ((a.dec == D_APPROVED || a.dec == D_REVOKED) && rng_chance(&r, 0.35)) {
                int pt = pick_point(&r, nat);
                cross(c, &r, &w, &bs, a.vfrom - (int32_t)rng_int(&r, 0, 10), -1,
                      1, pt, NULL, ROLE_PLANTED);
                if (rng_chance(&r, 0.5)) {
                    int32_t d = a.vfrom + (int32_t)rng_int(&r, 14, 60);
                    int out_pt = rng_chance(&r, 0.5) ? PT_BAGRATASHEN : pt;
                    cross(c, &r, &w, &bs, d, -1, 0, out_pt, "", ROLE_PLANTED);
                }
            }
            if (labelled && rng_chance(&r, 0.2)) {
                worker_key(&w, key, sizeof(key));
                emit_outcome(c, &r, "application", a.id, 1, label_day, ROLE_PLANTED);
            }
        }
        if (inspected)
            emit_inspection(c, &r, &e, insp_day, 0, 0, rng_chance(&r, 0.6) ? "other" : "",
                            ROLE_PLANTED);
        if (rng_chance(&r, 0.25)) {
            static const uint16_t chw[7] = {0, 0, 1, 0, 0, 0, 0};
            report_t rp;
            scheme_report_init(&rp, &r, sk + (int32_t)rng_int(&r, 90, 400), chw);
            rp.category = rng_chance(&r, 0.5) ? CAT_OTHER : CAT_NONE;
            rp.e = &e;
            rp.address = rng_chance(&r, 0.5) ? wp : NULL;
            rp.summary = shell_summaries[rng_below(&r, NELEM(shell_summaries))];
            emit_report(c, &r, &rp);
        }
        if (labelled)
            emit_outcome(c, &r, "employer", e.tin, 1, label_day, ROLE_PLANTED);
    }
}

/* (5) Seasonal agricultural forced labour: a farm, an agent, May to October. */
static void gen_agri(ctx_t *c, const unit_t *u)
{
    static const int natl[] = {N_UZB, N_TJK, N_KGZ, N_IND};
    static const uint16_t natw[] = {35, 25, 20, 20};
    rng_t r;
    employer_t local;
    const employer_t *e;
    agency_t ag;
    char sid[16], farm[TXT], key[48], tmp[TXT];
    int use_ag, seasons, y0, s, nmem = 0, pb0 = 0, pb1 = 0, wage_mode, hours_lo, hours_hi;
    int phone_used = 0, farm_used = 0, labelled;
    uint32_t left = u->quota;
    int32_t label_day, insp_day = 0;

    rng_init(&r, c->seed, u->no);
    scheme_id(c, 1, sid);
    c->schemes++;
    if (u->emp >= 0) {
        e = &c->emp[u->emp];
    } else {
        employer_new(c, &r, &local, S01, days_from_civil(2005, 1, 1) +
                                             (int32_t)rng_below(&r, 5000));
        place_random(&r, &local.place, town_in_region(&r, rng_chance(&r, 0.5) ? R_AR : R_AV, 1),
                     0);
        local.declared = (uint32_t)rng_int(&r, 5, 30);
        local.flags |= EF_SCHEME;
        e = &local;
    }
    use_ag = rng_chance(&r, 0.8);
    agency_new(c, &r, &ag);
    canonical_wp(e, farm, sizeof(farm));
    seasons = (left >= 30 && rng_chance(&r, 0.4)) ? 2 : 1;
    y0 = 2022 + (int)rng_below(&r, (uint32_t)(5 - seasons));
    while (e->registered && days_from_civil(y0, 3, 1) < e->registered + 60 &&
           y0 + seasons - 1 < 2025)
        y0++;
    wage_mode = (int)rng_below(&r, 10);
    hours_lo = rng_chance(&r, 0.7) ? 55 : 48;
    hours_hi = hours_lo == 55 ? 70 : 48;
    label_day = days_from_civil(y0 + seasons - 1, 11, 1) + (int32_t)rng_int(&r, 30, 200);
    labelled = rng_chance(&r, 0.65) && label_day <= c->d_end;

    emit_truth(c, sid, u->kind, "employer", e->tin, ROLE_PLANTED);
    emit_truth(c, sid, u->kind, "address", farm, ROLE_PLANTED);
    if (use_ag) {
        emit_truth(c, sid, u->kind, "intermediary", ag.id, ROLE_PLANTED);
    }
    for (s = 0; s < seasons && c->err == TW_OK; s++) {
        int year = y0 + s, j, nb0 = nmem;
        uint32_t qs = left / (uint32_t)(seasons - s), done = 0;
        int32_t sub0 = days_from_civil(year, 3, 15), arrive = days_from_civil(year, 4, 28);
        int32_t arrive_sec = (int32_t)rng_int(&r, 6 * 3600, 20 * 3600);
        int32_t season_end = days_from_civil(year, 10, 31);
        for (j = pb0; j < pb1 && done < qs && nmem < MAXGROUP; j++) {
            member_t *m = &c->group[j];
            if (m->dec == D_APPROVED && rng_chance(&r, 0.5)) {
                member_t *n = &c->group[nmem++];
                *n = *m;
                n->dec = -1;
                done++;
            }
        }
        while (done < qs && nmem < MAXGROUP) {
            member_t *m = &c->group[nmem++];
            int nat = pick_nat_list(&r, natl, natw, 4);
            memset(m, 0, sizeof(*m));
            person_new(c, &r, &m->w, nat, rng_chance(&r, 0.85) ? 'M' : 'F', 19, 50, sub0);
            if (use_ag && rng_chance(&r, 0.4))
                planted_phone(c, &r, sid, u->kind, ag.phone, &phone_used, m->w.phone,
                              sizeof(m->w.phone));
            else if (rng_chance(&r, 0.4))
                new_foreign_phone(c, &r, nat, m->w.phone, sizeof(m->w.phone));
            if (rng_chance(&r, 0.8) || !farm_used) {
                spell_first(&r, &e->place, farm, &farm_used, 0.7, m->w.home, sizeof(m->w.home));
                m->w.home_region = towns[e->place.town].region;
            }
            m->occ = rng_chance(&r, 0.85) ? O_FARMLAB : O_GROWER;
            m->dec = -2;
            done++;
        }
        for (j = nb0; j < nmem && left > 0 && c->err == TW_OK; j++) {
            member_t *m = &c->group[j];
            app_t a;
            int returner = m->dec == -1;
            memset(&a, 0, sizeof(a));
            a.w = &m->w;
            a.e = e;
            a.ag = use_ag ? &ag : NULL;
            a.occ = m->occ;
            a.salary = wage_mode < 6 ? (uint32_t)rng_int(&r, 9, 13) * 5000
                                     : (uint32_t)min_wage(sub0);
            a.hours = rng_int(&r, hours_lo, hours_hi);
            a.sub = sub0 + (int32_t)rng_below(&r, 20);
            a.months = 6;
            a.prev = returner ? m->app : "";
            a.want = D_APPROVED;
            a.agency_submits = use_ag && rng_chance(&r, 0.7);
            a.role = ROLE_PLANTED;
            emit_app(c, &r, &a);
            left--;
            truth_app_worker(c, sid, u->kind, &a, !returner, ROLE_PLANTED);
            snprintf(m->app, sizeof(m->app), "%s", a.id);
            m->dec = a.dec;
            if (a.dec == D_APPROVED) {
                int32_t sec = arrive_sec + (int32_t)rng_below(&r, 2400);
                const char *purpose = rng_chance(&r, 0.6) ? "work" : "private";
                cross(c, &r, &m->w, &m->bs, arrive, sec, 1, PT_BAGRATASHEN, purpose,
                      ROLE_PLANTED);
                if (rng_chance(&r, 0.4)) { /* a quick exit and return to reset the stay */
                    int32_t d = days_from_civil(year, 7, 1) + (int32_t)rng_below(&r, 60);
                    cross(c, &r, &m->w, &m->bs, d, -1, 0, PT_BAGRATASHEN, "",
                          ROLE_PLANTED);
                    cross(c, &r, &m->w, &m->bs, d + (int32_t)rng_below(&r, 3), -1,
                          1, PT_BAGRATASHEN, "private", ROLE_PLANTED);
                }
                if (rng_chance(&r, 0.8))
                    cross(c, &r, &m->w, &m->bs, season_end + (int32_t)rng_below(&r, 10),
                          -1, 0, PT_BAGRATASHEN, "", ROLE_PLANTED);
            }
            if (labelled && !returner && rng_chance(&r, 0.4)) {
                worker_key(&m->w, key, sizeof(key));
                emit_outcome(c, &r, "worker", key, 1, label_day, ROLE_PLANTED);
            }
        }
        if (!insp_day && rng_chance(&r, 0.5))
            insp_day = days_from_civil(year, 7, 1) + (int32_t)rng_below(&r, 80);
        pb0 = nb0;
        pb1 = nmem;
    }
    if (insp_day) {
        int undeclared = rng_int(&r, 0, 6);
        emit_inspection(c, &r, e, insp_day, nmem / 2 + 1, undeclared,
                        agri_violations[rng_below(&r, NELEM(agri_violations))], ROLE_PLANTED);
    }
    if (nmem > 0 && rng_chance(&r, 0.4)) {
        spell_again(&r, &e->place, farm, 0.3, tmp, sizeof(tmp));
        static const uint16_t chw[7] = {45, 45, 10, 0, 0, 0, 0};
        report_t rp;
        scheme_report_init(&rp, &r, days_from_civil(y0, 8, 1) + (int32_t)rng_below(&r, 120), chw);
        rp.category = rng_chance(&r, 0.8) ? CAT_FORCED : CAT_NONE;
        rp.subject = &c->group[rng_below(&r, (uint32_t)nmem)].w;
        rp.e = e;
        rp.address = tmp;
        rp.phone = use_ag && rng_chance(&r, 0.6) ? ag.phone : NULL;
        rp.summary = agri_summaries[rng_below(&r, NELEM(agri_summaries))];
        emit_report(c, &r, &rp);
    }
    if (labelled) {
        emit_outcome(c, &r, "employer", e->tin, 1, label_day, ROLE_PLANTED);
        if (use_ag && rng_chance(&r, 0.85))
            emit_outcome(c, &r, "intermediary", ag.id, 1, label_day, ROLE_PLANTED);
    }
}

/* ---- benign look-alikes -------------------------------------------------------------- */

/* A well-behaved worker at `e` with the given pay and hours; renews while
 * the quota allows. `home` (may be NULL) is the residence as written the
 * first time, `hp` its place. Returns applications written. */
static uint32_t normal_worker(ctx_t *c, rng_t *r, const char *sid, int kind, const employer_t *e,
                              person_t *w, int occ, uint32_t salary, int hours, int32_t sub,
                              uint32_t left, bstate_t *bs)
{
    char prev[24] = "";
    uint32_t used = 0;
    int first = 1;
    while (used < left && c->err == TW_OK) {
        app_t a;
        int renew;
        memset(&a, 0, sizeof(a));
        a.w = w;
        a.e = e;
        a.occ = occ;
        a.salary = salary;
        a.hours = hours;
        a.sub = sub;
        a.months = 12;
        a.prev = prev;
        a.want = rng_chance(r, 0.95) ? D_APPROVED : -1;
        a.role = ROLE_LOOKALIKE;
        emit_app(c, r, &a);
        used++;
        truth_app_worker(c, sid, kind, &a, first, ROLE_LOOKALIKE);
        first = 0;
        sub = a.vto - (int32_t)rng_int(r, 10, 50);
        renew = a.dec == D_APPROVED && used < left && sub <= c->d_end - 5 && rng_chance(r, 0.6);
        border_background(c, r, w, bs, &a, !renew, ROLE_LOOKALIKE);
        if (!renew)
            break;
        snprintf(prev, sizeof(prev), "%s", a.id);
        salary = round_to(salary + salary / 20, 1000);
    }
    return used;
}

static void gen_lookalike(ctx_t *c, const unit_t *u)
{
    rng_t r;
    employer_t e;
    char sid[16], addr[TXT], key[48];
    place_t pl;
    uint32_t left = u->quota;
    int32_t label_day;
    int addr_used = 0;

    rng_init(&r, c->seed, u->no);
    scheme_id(c, 0, sid);
    switch (u->kind) {
    case U_L_DORM: {
        static const int natl[] = {N_CHN, N_IND, N_TUR, N_UZB};
        static const uint16_t natw[] = {50, 25, 15, 10};
        int main_nat = pick_nat_list(&r, natl, natw, 4);
        int sec = rng_chance(&r, 0.6) ? S41 : S42;
        employer_new(c, &r, &e, sec, days_from_civil(1998, 1, 1) + (int32_t)rng_below(&r, 6000));
        e.declared = (uint32_t)rng_int(&r, 800, 2000);
        e.flags |= EF_SCHEME;
        place_random(&r, &pl, 0, 0);
        pl.unit = UNIT_DORM;
        pl.flat = (uint16_t)rng_int(&r, 1, 3);
        render_new(&r, &pl, addr, sizeof(addr));
        emit_truth(c, sid, u->kind, "employer", e.tin, ROLE_LOOKALIKE);
        emit_truth(c, sid, u->kind, "address", addr, ROLE_LOOKALIKE);
        while (left > 0 && c->err == TW_OK) {
            person_t w;
            bstate_t bs = {0, 0, 0};
            int occ = pick_occ(&r, e.sector), age = age_background(&r);
            int32_t sub = pick_day(c, &r, c->d_start);
            int nat = rng_chance(&r, 0.75) ? main_nat : pick_nat_list(&r, natl, natw, 4);
            person_new(c, &r, &w, nat, 'M', age, age, sub);
            person_contacts(c, &r, &w, 0.75);
            if (rng_chance(&r, 0.9) || !addr_used) {
                spell_first(&r, &pl, addr, &addr_used, 0.8, w.home, sizeof(w.home));
                w.home_region = R_ER;
            }
            uint32_t pay = round_to(wage_for(&r, occ, &e, sub) * 13 / 10, 5000);
            int hours = rng_chance(&r, 0.6) ? 40 : rng_chance(&r, 0.5) ? 44 : 48;
            left -= normal_worker(c, &r, sid, u->kind, &e, &w, occ, pay, hours, sub, left, &bs);
        }
        if (rng_chance(&r, 0.5)) {
            int32_t day = day_between(&r, c->d_start + 200, c->d_end);
            emit_inspection(c, &r, &e, day, rng_int(&r, 30, 90), 0, "", ROLE_LOOKALIKE);
        }
        label_day = day_between(&r, c->d_start + 400, c->d_end);
        if (rng_chance(&r, 0.4))
            emit_outcome(c, &r, "employer", e.tin, 0, label_day, ROLE_LOOKALIKE);
        break;
    }
    case U_L_IT: {
        static const int natl[] = {N_RUS, N_BLR, N_UKR, N_IND};
        static const uint16_t natw[] = {50, 20, 15, 15};
        employer_new(c, &r, &e, S62, days_from_civil(2008, 1, 1) + (int32_t)rng_below(&r, 4500));
        e.declared = (uint32_t)rng_int(&r, 50, 400);
        e.flags |= EF_SCHEME;
        place_random(&r, &e.place, 0, 0);
        emit_truth(c, sid, u->kind, "employer", e.tin, ROLE_LOOKALIKE);
        while (left > 0 && c->err == TW_OK) {
            person_t w;
            bstate_t bs = {0, 0, 0};
            int occ = pick_occ(&r, S62), age = rng_int(&r, 23, 45);
            int32_t sub = pick_day(c, &r, e.registered + 30);
            int nat = pick_nat_list(&r, natl, natw, 4);
            char sx = rng_chance(&r, 0.2) ? 'F' : 'M';
            uint32_t pay;
            int hours;
            person_new(c, &r, &w, nat, sx, age, age, sub);
            person_contacts(c, &r, &w, 0.9);
            {
                place_t p;
                place_random(&r, &p, 0, 1);
                person_home(&r, &w, &p, pick_style(&r));
            }
            pay = (uint32_t)rng_int(&r, 160, 360) * 5000;
            hours = rng_chance(&r, 0.7) ? rng_int(&r, 45, 48) : 40;
            left -= normal_worker(c, &r, sid, u->kind, &e, &w, occ, pay, hours, sub, left, &bs);
        }
        if (rng_chance(&r, 0.3))
            emit_outcome(c, &r, "employer", e.tin, 0, day_between(&r, c->d_start + 300, c->d_end),
                         ROLE_LOOKALIKE);
        break;
    }
    case U_L_COUPLE: {
        static const int natl[] = {N_RUS, N_IRN, N_IND, N_SYR, N_UKR, N_GEO};
        static const uint16_t natw[] = {35, 20, 15, 10, 10, 10};
        while (left > 0 && c->err == TW_OK) {
            person_t h, wf;
            bstate_t bh = {0, 0, 0}, bw = {0, 0, 0};
            char phone[24];
            int nat = pick_nat_list(&r, natl, natw, 6), phone_used = 0;
            int32_t sub;
            const employer_t *eh, *ew;
            uint32_t idx;
            idx = c->nemp ? rng_below(&r, c->nemp) : 0;
            eh = &c->emp[idx];
            ew = rng_chance(&r, 0.5) ? eh : &c->emp[rng_below(&r, c->nemp)];
            sub = pick_day(c, &r, (eh->registered > ew->registered ? eh->registered
                                                                   : ew->registered) + 30);
            person_new(c, &r, &h, nat, 'M', 26, 50, sub);
            person_new(c, &r, &wf, nat, 'F', 24, 48, sub);
            wf.fam = h.fam; /* married: one family name */
            wf.fam_gendered = h.fam_gendered;
            wf.fam_var = h.fam_var;
            new_am_phone(c, &r, 0, phone, sizeof(phone));
            phone_again(&r, phone, &phone_used, h.phone, sizeof(h.phone));
            phone_again(&r, phone, &phone_used, wf.phone, sizeof(wf.phone));
            place_random(&r, &pl, eh->place.town, 1);
            person_home(&r, &h, &pl, pick_style(&r));
            spell_again(&r, &pl, h.home, 0.7, wf.home, sizeof(wf.home));
            wf.home_region = h.home_region;
            emit_truth(c, sid, u->kind, "phone", phone, ROLE_LOOKALIKE);
            {
                int occ = pick_occ(&r, eh->sector);
                uint32_t pay = wage_for(&r, occ, eh, sub);
                int hours = hours_background(&r, eh->sector);
                left -= normal_worker(c, &r, sid, u->kind, eh, &h, occ, pay, hours, sub, 1, &bh);
            }
            if (left > 0) {
                int occ = pick_occ(&r, ew->sector);
                uint32_t pay = wage_for(&r, occ, ew, sub);
                int hours = hours_background(&r, ew->sector);
                int32_t sub2 = sub + (int32_t)rng_below(&r, 20);
                left -= normal_worker(c, &r, sid, u->kind, ew, &wf, occ, pay, hours, sub2, 1, &bw);
            }
        }
        break;
    }
    case U_L_FAMREST: {
        static const int natl[] = {N_SYR, N_IRN, N_LBN, N_IRQ};
        static const uint16_t natw[] = {40, 25, 20, 15};
        int nat = pick_nat_list(&r, natl, natw, 4);
        char wp[TXT];
        const char *fam = NULL;
        employer_new(c, &r, &e, S56, days_from_civil(2012, 1, 1) + (int32_t)rng_below(&r, 3000));
        make_company_name(&r, "Family Restaurant|Kitchen|Cafe|Grill|Bakery", e.name,
                          sizeof(e.name));
        e.declared = (uint32_t)rng_int(&r, 4, 10);
        e.flags |= EF_SCHEME;
        canonical_wp(&e, wp, sizeof(wp));
        pl = e.place;
        if (rng_chance(&r, 0.5)) {
            pl.unit = UNIT_APT;
            pl.flat = (uint16_t)rng_int(&r, 1, 4);
            render_new(&r, &pl, addr, sizeof(addr));
        } else {
            snprintf(addr, sizeof(addr), "%s", wp);
        }
        emit_truth(c, sid, u->kind, "employer", e.tin, ROLE_LOOKALIKE);
        emit_truth(c, sid, u->kind, "address", addr, ROLE_LOOKALIKE);
        while (left > 0 && c->err == TW_OK) {
            person_t w;
            bstate_t bs = {0, 0, 0};
            int occ = rng_chance(&r, 0.5) ? O_COOK : O_WAITER, age = rng_int(&r, 22, 55);
            int32_t sub = pick_day(c, &r, e.registered + 30);
            person_new(c, &r, &w, nat, sex_for(&r, occ), age, age, sub);
            if (fam) {
                w.fam = fam;
                w.fam_gendered = 0;
            }
            fam = w.fam;
            person_contacts(c, &r, &w, 0.8);
            spell_first(&r, &pl, addr, &addr_used, 0.7, w.home, sizeof(w.home));
            w.home_region = towns[pl.town].region;
            left -= normal_worker(c, &r, sid, u->kind, &e, &w, occ,
                                  (uint32_t)rng_int(&r, 30, 44) * 5000, 48, sub, left, &bs);
        }
        if (rng_chance(&r, 0.4))
            emit_outcome(c, &r, "employer", e.tin, 0, day_between(&r, c->d_start + 300, c->d_end),
                         ROLE_LOOKALIKE);
        break;
    }
    default: { /* U_L_NANNY */
        static const int natl[] = {N_PHL, N_GEO, N_RUS, N_UKR};
        static const uint16_t natw[] = {40, 20, 20, 20};
        int32_t sub = day_between(&r, c->d_start, c->d_end - 100);
        person_t w;
        bstate_t bs = {0, 0, 0};
        int occ = rng_chance(&r, 0.6) ? O_CHILDCARE : O_DOMESTIC, age = rng_int(&r, 25, 55);
        employer_new(c, &r, &e, S97, 0);
        e.flags |= EF_SCHEME;
        place_random(&r, &e.place, 0, 1);
        person_new(c, &r, &w, pick_nat_list(&r, natl, natw, 4), 'F', age, age, sub);
        person_contacts(c, &r, &w, 0.9);
        canonical_wp(&e, addr, sizeof(addr));
        spell_again(&r, &e.place, addr, 0.5, w.home, sizeof(w.home));
        w.home_region = towns[e.place.town].region;
        emit_truth(c, sid, u->kind, "employer", e.tin, ROLE_LOOKALIKE);
        emit_truth(c, sid, u->kind, "address", w.home, ROLE_LOOKALIKE);
        {
            uint32_t pay = (uint32_t)rng_int(&r, 40, 60) * 5000;
            int hours = rng_chance(&r, 0.5) ? 40 : 48;
            left -= normal_worker(c, &r, sid, u->kind, &e, &w, occ, pay, hours, sub, left, &bs);
        }
        while (left > 0 && c->err == TW_OK) { /* a second household, same pattern */
            employer_t e2;
            person_t w2;
            bstate_t b2 = {0, 0, 0};
            employer_new(c, &r, &e2, S97, 0);
            e2.flags |= EF_SCHEME;
            sub = day_between(&r, c->d_start, c->d_end - 100);
            person_new(c, &r, &w2, pick_nat_list(&r, natl, natw, 4), 'F', age, age, sub);
            person_home(&r, &w2, &e2.place, pick_style(&r));
            emit_truth(c, sid, u->kind, "employer", e2.tin, ROLE_LOOKALIKE);
            left -= normal_worker(c, &r, sid, u->kind, &e2, &w2, occ,
                                  (uint32_t)rng_int(&r, 40, 60) * 5000, 40, sub, left, &b2);
        }
        if (rng_chance(&r, 0.3)) {
            worker_key(&w, key, sizeof(key));
            emit_outcome(c, &r, "worker", key, 0, day_between(&r, sub, c->d_end), ROLE_LOOKALIKE);
        }
        break;
    }
    }
}

/* ---- planning: pools and units ------------------------------------------------------ */

static void init_tables(ctx_t *c)
{
    rng_t r;
    int n, s;
    rng_init(&r, c->seed, 1);
    c->d0 = days_from_civil(2021, 1, 1);
    c->d_start = days_from_civil(2022, 1, 1);
    c->d_end = days_from_civil(2025, 12, 31);
    c->d_border0 = days_from_civil(2021, 6, 1);
    perm_init(&c->tin_map, &r, 100000000ULL);
    perm_init(&c->acct_map, &r, 10000000ULL);
    perm_init(&c->amph_map, &r, 1000000ULL * NELEM(am_ops));
    for (n = 0; n < NNAT; n++) {
        uint64_t m = 1;
        const char *p;
        for (p = nats[n].docfmt; *p; p++)
            if (*p == 'D')
                m *= 10;
        perm_init(&c->doc_map[n], &r, m);
        m = 1;
        for (p = nats[n].mobile; *p; p++)
            if (*p == 'D')
                m *= 10;
        perm_init(&c->fph_map[n], &r, m);
        c->tourist_w[n] = nats[n].tourist;
    }
    /* P(nationality | sector) from the national shares and each row's affinity */
    for (n = 0; n < NNAT; n++) {
        uint32_t rowsum = 0;
        for (s = 0; s < NSEC; s++)
            rowsum += nat_sector[n][s];
        for (s = 0; s < NSEC; s++)
            c->nat_given_sec[s][n] =
                rowsum ? (uint32_t)(10000ULL * nats[n].share * nat_sector[n][s] / rowsum) : 0;
    }
}

/* Pareto weight with tail index 1.15, capped at `cap`. */
static double heavy_weight(rng_t *r, double cap)
{
    double u = 1.0 - rng_unit(r);
    double w = det_exp(-det_log(u) / 1.15);
    return w > cap ? cap : w;
}

static tw_err_t build_pool(ctx_t *c, rng_t *r, uint64_t bg)
{
    uint64_t mass[NSEC], total = 0, budget[NSEC], assigned = 0;
    uint64_t est = bg / 8 + 64, nemp = 0; /* ~bg/10 are needed */
    uint32_t s, i, big;
    int n;

    for (s = 0; s < NSEC; s++) {
        mass[s] = 0;
        for (n = 0; n < NNAT; n++)
            mass[s] += c->nat_given_sec[s][n];
        total += mass[s];
    }
    for (s = 0; s < NSEC; s++) {
        budget[s] = bg * mass[s] / total;
        assigned += budget[s];
    }
    for (s = 0; assigned < bg; s = (s + 1) % NSEC)
        if (mass[s]) {
            budget[s]++;
            assigned++;
        }

    c->nag = (uint32_t)(bg / 700 + 4);
    c->ag = calloc(c->nag, sizeof(*c->ag));
    c->emp = calloc((size_t)est, sizeof(*c->emp));
    c->units = calloc((size_t)est + 2 * (bg / 1000 + 64), sizeof(*c->units));
    if (!c->ag || !c->emp || !c->units)
        return tw_errinfo_set(c->ei, TW_ENOMEM, "synth: out of memory for the employer pool");
    for (i = 0; i < c->nag; i++)
        agency_new(c, r, &c->ag[i]);
    big = 0; /* the large legitimate agency (a look-alike) */

    for (s = 0; s < NSEC; s++) {
        uint64_t b = budget[s], ne, k;
        double *w = NULL, wsum = 0;
        c->sec_first[s] = (uint32_t)nemp;
        if (b == 0)
            continue;
        if (s == S97) {
            while (b > 0 && nemp < est) {
                employer_t *e = &c->emp[nemp];
                uint32_t q = (b > 1 && rng_chance(r, 0.3)) ? 2 : 1;
                if (nemp + 1 == est)
                    q = (uint32_t)b; /* never reached: est has room to spare */
                employer_new(c, r, e, (int)s, 0);
                e->dom_nat = (uint8_t)pick_nat_for_sector(c, r, (int)s);
                c->units[c->nunits].kind = U_BG;
                c->units[c->nunits].emp = (int32_t)nemp;
                c->units[c->nunits].quota = q;
                c->nunits++;
                nemp++;
                b -= q;
            }
            c->sec_count[s] = (uint32_t)nemp - c->sec_first[s];
            continue;
        }
        ne = (b * 10 + 57) / 115;
        if (ne < 1)
            ne = 1;
        if (ne > b)
            ne = b;
        if (nemp + ne > est)
            ne = est - nemp;
        if (ne == 0)
            return tw_errinfo_set(c->ei, TW_EINTERNAL, "synth: employer pool too small");
        w = malloc((size_t)ne * sizeof(*w));
        if (!w)
            return tw_errinfo_set(c->ei, TW_ENOMEM, "synth: out of memory for the employer pool");
        for (k = 0; k < ne; k++) { /* the cap grows with the sector: big firms exist */
            w[k] = heavy_weight(r, 50.0 + (double)ne / 10.0);
            wsum += w[k];
        }
        assigned = 0;
        for (k = 0; k < ne; k++) {
            unit_t *u = &c->units[c->nunits + k];
            u->kind = U_BG;
            u->emp = (int32_t)(nemp + k);
            u->quota = (uint32_t)(1 + (double)(b - ne) * w[k] / wsum);
            assigned += u->quota;
        }
        while (assigned > b) { /* rounding never overshoots, but be safe */
            unit_t *u = &c->units[c->nunits + rng_below(r, (uint32_t)ne)];
            if (u->quota > 1) {
                u->quota--;
                assigned--;
            }
        }
        while (assigned < b) {
            c->units[c->nunits + rng_below(r, (uint32_t)ne)].quota++;
            assigned++;
        }
        for (k = 0; k < ne; k++) {
            unit_t *u = &c->units[c->nunits + k];
            employer_t *e = &c->emp[nemp + k];
            uint32_t active = u->quota / 3 + 1;
            int32_t reg;
            if (u->quota > 20 || rng_chance(r, 0.8))
                reg = days_from_civil(1995, 1, 1) +
                      (int32_t)rng_below(r, (uint32_t)(c->d_start - days_from_civil(1995, 1, 1)));
            else
                reg = c->d_start + (int32_t)rng_below(r, (uint32_t)(c->d_end - c->d_start - 240));
            employer_new(c, r, e, (int)s, reg);
            e->dom_nat = (uint8_t)pick_nat_for_sector(c, r, (int)s);
            if (rng_chance(r, 0.05)) { /* an outdated, too small headcount */
                e->declared = active / 2 + 1;
            } else {
                e->declared = active * (uint32_t)rng_int(r, 2, 10);
                e->declared += rng_below(r, 11);
            }
            if (s == S41 || s == S42 || s == S43 || s == S56 || s == S55 || s == S01 ||
                s == S10 ? rng_chance(r, 0.25) : rng_chance(r, 0.05)) {
                if (rng_chance(r, 0.35)) {
                    e->agency = (int32_t)big;
                } else { /* a few agencies are busy, most are small */
                    double x = rng_unit(r);
                    e->agency = (int32_t)(1 + (uint32_t)((double)(c->nag - 1) * x * x));
                }
                e->agency_pct = (uint8_t)rng_int(r, 40, 90);
            }
        }
        free(w);
        c->nunits += (uint32_t)ne;
        nemp += ne;
        c->sec_count[s] = (uint32_t)nemp - c->sec_first[s];
    }
    c->nemp = (uint32_t)nemp;
    return TW_OK;
}

/* Scheme and look-alike units: kinds, quotas; returns the rows they take. */
static uint64_t plan_special(ctx_t *c, rng_t *r, uint64_t napps, unit_t *out, uint32_t max,
                             uint32_t *nout)
{
    static const double share[5] = {0.30, 0.20, 0.20, 0.15, 0.15};
    static const int lo[NUNITKIND] = {0, 18, 6, 1, 20, 20, 80, 8, 4, 2, 1, 0};
    static const int hi[NUNITKIND] = {0, 52, 24, 6, 60, 100, 150, 30, 8, 4, 3, 0};
    uint64_t cap = napps / 25 < 3 ? 3 : napps / 25, used = 0;
    uint32_t n = 0, k, j, count;

    for (k = U_DEBT; k < U_L_AGENCY; k++) {
        if (napps >= 1000) {
            if (k <= U_AGRI)
                count = (uint32_t)((double)napps * share[k - U_DEBT] / 3000.0 + 0.5);
            else
                count = (uint32_t)(napps / (k == U_L_DORM ? 20000 : 8000));
            if (count < 1)
                count = 1;
        } else {
            count = (k == (uint32_t)(U_DEBT + c->seed % 5)) ||
                    (k == (uint32_t)(U_L_DORM + (c->seed / 5) % 5));
        }
        for (j = 0; j < count && n < max; j++) {
            uint64_t q = (uint64_t)rng_int(r, lo[k], hi[k]);
            if (q > cap)
                q = cap;
            out[n].kind = (uint8_t)k;
            out[n].quota = (uint32_t)q;
            out[n].emp = -1;
            used += q;
            n++;
        }
    }
    *nout = n;
    return used;
}

/* ---- files -------------------------------------------------------------------------- */

static tw_err_t make_dirs(const char *dir, tw_errinfo_t *ei)
{
    char path[PATH_MAX];
    size_t n = strlen(dir), i;
    struct stat st;
    if (n == 0 || n >= sizeof(path))
        return tw_errinfo_set(ei, TW_EINPUT, "synth: output directory name is empty or too long");
    memcpy(path, dir, n + 1);
    for (i = 1; i <= n; i++) {
        if (path[i] == '/' || path[i] == '\0') {
            char save = path[i];
            path[i] = '\0';
            if (mkdir(path, 0777) != 0 && errno != EEXIST) {
                tw_errinfo_set(ei, TW_EIO, "synth: cannot create directory %s: %s", path,
                               strerror(errno));
                if (ei)
                    snprintf(ei->file, sizeof(ei->file), "%s", dir);
                return TW_EIO;
            }
            path[i] = save;
        }
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        tw_errinfo_set(ei, TW_EIO, "synth: %s is not a directory", dir);
        if (ei)
            snprintf(ei->file, sizeof(ei->file), "%s", dir);
        return TW_EIO;
    }
    return TW_OK;
}

static tw_err_t open_files(ctx_t *c, const char *dir)
{
    int f;
    for (f = 0; f < NFILES; f++) {
        outfile_t *o = &c->out[f];
        int n1 = snprintf(o->path, sizeof(o->path), "%s/%s", dir, file_names[f]);
        int n2 = snprintf(o->tmp, sizeof(o->tmp), "%s/.%s.tmp", dir, file_names[f]);
        size_t bufsz = f <= F_REPORTS ? IOBUF_SIZE : IOBUF_SIZE / 8;
        if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(o->path) || (size_t)n2 >= sizeof(o->tmp))
            return tw_errinfo_set(c->ei, TW_EINPUT, "synth: output path too long");
        o->fp = fopen(o->tmp, "wb");
        if (!o->fp) {
            set_err(c, TW_EIO, "synth: cannot create", o->tmp);
            return TW_EIO;
        }
        o->iobuf = malloc(bufsz);
        if (o->iobuf)
            setvbuf(o->fp, o->iobuf, _IOFBF, bufsz);
        write_header(c, f);
    }
    return c->err;
}

static void close_files(ctx_t *c, int keep)
{
    int f;
    for (f = 0; f < NFILES; f++) {
        outfile_t *o = &c->out[f];
        if (o->fp) {
            if (fclose(o->fp) != 0 && keep)
                set_err(c, TW_EIO, "synth: cannot write", o->tmp);
            o->fp = NULL;
        }
        free(o->iobuf);
        o->iobuf = NULL;
    }
    for (f = 0; f < NFILES; f++) {
        outfile_t *o = &c->out[f];
        if (!o->tmp[0])
            continue;
        if (keep && c->err == TW_OK) {
            if (rename(o->tmp, o->path) != 0)
                set_err(c, TW_EIO, "synth: cannot rename", o->tmp);
        }
        if (!keep || c->err != TW_OK)
            unlink(o->tmp);
    }
}

static void write_manifest(ctx_t *c)
{
    int f;
    for (f = 0; f < F_MANIFEST; f++) {
        rec_t *rec = &c->rec;
        rec_begin(rec, 3);
        rec_sets(rec, 0, file_names[f]);
        rec_setu(rec, 1, c->out[f].rows);
        rec_setu(rec, 2, c->out[f].bad);
        write_rec(c, F_MANIFEST, rec);
    }
}

/* Unrelated travellers: tourists, visitors, people in transit. */
static void gen_tourists(ctx_t *c, rng_t *r, uint64_t trips)
{
    uint64_t t;
    for (t = 0; t < trips && c->err == TW_OK; t++) {
        person_t w;
        bstate_t bs = {0, 0, 0};
        int nat = (int)pick_w32(r, c->tourist_w, NNAT), k, nk = rng_chance(r, 0.1) ? 2 : 1;
        int32_t d = day_between(r, c->d_border0, c->d_end);
        int age = rng_int(r, 18, 75);
        static const char *const purposes =
            "tourism|tourism|tourism|private|private|transit|study|";
        person_new(c, r, &w, nat, rng_chance(r, 0.5) ? 'F' : 'M', age, age, d);
        for (k = 0; k < nk; k++) {
            char purpose[16];
            sb_t s;
            int pt = pick_point(r, nat);
            sb_init(&s, purpose, sizeof(purpose));
            sb_part(&s, purposes, rng_below(r, 8));
            cross(c, r, &w, &bs, d, -1, 1, pt, purpose, ROLE_BG);
            cross(c, r, &w, &bs, d + (int32_t)rng_int(r, 2, 21), -1, 0, pt, "",
                  ROLE_BG);
            d += (int32_t)rng_int(r, 60, 400);
        }
    }
}

/* ---- entry point ---------------------------------------------------------------------- */

tw_err_t synth_run(const synth_opts_t *opts, synth_summary_t *sum, tw_errinfo_t *ei)
{
    ctx_t *c = NULL;
    rng_t master;
    tw_err_t err = TW_OK;
    unit_t *special = NULL;
    uint32_t nspecial = 0, i;
    uint64_t napps, used, bg;
    int ok = 0;

    tw_errinfo_clear(ei);
    if (!opts || !opts->out_dir || !opts->out_dir[0])
        return tw_errinfo_set(ei, TW_EINPUT, "synth: an output directory is required");
    if (opts->applications < 100 || opts->applications > MAX_APPLICATIONS) {
        tw_errinfo_set(ei, TW_EINPUT, "synth: applications must be 100..%llu, not %llu",
                       (unsigned long long)MAX_APPLICATIONS,
                       (unsigned long long)opts->applications);
        if (ei)
            snprintf(ei->field, sizeof(ei->field), "applications");
        return TW_EINPUT;
    }
    if (opts->bad_row_rate != opts->bad_row_rate || opts->bad_row_rate > 0.5) {
        tw_errinfo_set(ei, TW_EINPUT, "synth: bad_row_rate must be at most 0.5");
        if (ei)
            snprintf(ei->field, sizeof(ei->field), "bad_row_rate");
        return TW_EINPUT;
    }
    c = calloc(1, sizeof(*c));
    if (!c)
        return tw_errinfo_set(ei, TW_ENOMEM, "synth: out of memory");
    c->opts = opts;
    c->ei = ei;
    c->seed = opts->seed;
    c->bad_rate = opts->bad_row_rate == 0 ? 0.001 : opts->bad_row_rate < 0 ? 0 : opts->bad_row_rate;
    napps = opts->applications;

    err = make_dirs(opts->out_dir, ei);
    if (err != TW_OK)
        goto out;
    init_tables(c);
    rng_init(&master, c->seed, 2);
    for (i = 0; i < NFILES; i++)
        c->out[i].next_bad = 10 + rng_below(&master, 90);
    err = open_files(c, opts->out_dir);
    if (err != TW_OK)
        goto out;

    special = calloc((size_t)(napps / 1000 + 64), sizeof(*special));
    if (!special) {
        err = tw_errinfo_set(ei, TW_ENOMEM, "synth: out of memory");
        goto out;
    }
    used = plan_special(c, &master, napps, special, (uint32_t)(napps / 1000 + 64), &nspecial);
    if (used > napps / 2) {
        err = tw_errinfo_set(ei, TW_EINTERNAL, "synth: too many planted units");
        goto out;
    }
    bg = napps - used;
    err = build_pool(c, &master, bg);
    if (err != TW_OK)
        goto out;
    for (i = 0; i < nspecial; i++) {
        unit_t *u = &special[i];
        int sec = u->kind == U_DEBT ? (rng_chance(&master, 0.5) ? S41 : S43) : S01;
        if ((u->kind == U_DEBT && rng_chance(&master, 0.6)) ||
            (u->kind == U_AGRI && rng_chance(&master, 0.5))) {
            if (c->sec_count[sec] > 0) {
                /* the biggest of three: an established employer, not a shell */
                uint32_t idx = c->sec_first[sec] + rng_below(&master, c->sec_count[sec]), t;
                for (t = 0; t < 2; t++) {
                    uint32_t j = c->sec_first[sec] + rng_below(&master, c->sec_count[sec]);
                    if (c->units[j].quota > c->units[idx].quota)
                        idx = j;
                }
                u->emp = (int32_t)idx;
                c->emp[idx].flags |= EF_NOLABEL;
            }
        }
        c->units[c->nunits++] = *u;
    }
    for (i = 0; i < c->nunits; i++)
        c->units[i].no = 1000 + i;
    for (i = c->nunits; i > 1; i--) { /* Fisher-Yates: schemes sit anywhere */
        uint32_t j = rng_below(&master, i);
        unit_t t = c->units[i - 1];
        c->units[i - 1] = c->units[j];
        c->units[j] = t;
    }
    for (i = 0; i < c->nunits && c->err == TW_OK; i++) {
        const unit_t *u = &c->units[i];
        switch (u->kind) {
        case U_BG: gen_background(c, u); break;
        case U_DEBT: gen_debt(c, u); break;
        case U_SEX: gen_sexual(c, u); break;
        case U_DOMESTIC: gen_domestic(c, u); break;
        case U_SHELL: gen_shell(c, u); break;
        case U_AGRI: gen_agri(c, u); break;
        default: gen_lookalike(c, u); break;
        }
        { /* travellers with no permit, interleaved so they are not all at the end */
            rng_t tr;
            rng_init(&tr, c->seed, ((uint64_t)1 << 40) + u->no);
            gen_tourists(c, &tr, u->quota / 2 + (u->quota % 2 ? rng_below(&tr, 2) : 0));
        }
    }
    if (c->big_agency_apps > 0) { /* the large legitimate agency, when it placed anyone */
        char sid[16];
        scheme_id(c, 0, sid);
        emit_truth(c, sid, U_L_AGENCY, "intermediary", c->ag[0].id, ROLE_LOOKALIKE);
        if (rng_chance(&master, 0.5))
            emit_outcome(c, &master, "intermediary", c->ag[0].id, 0,
                         day_between(&master, c->d_start + 365, c->d_end), ROLE_LOOKALIKE);
    }
    if (c->err == TW_OK && c->out[F_PERMITS].rows != napps)
        c->err = tw_errinfo_set(ei, TW_EINTERNAL, "synth: wrote %llu permit rows, not %llu",
                                (unsigned long long)c->out[F_PERMITS].rows,
                                (unsigned long long)napps);
    write_manifest(c);
    err = c->err;
    ok = err == TW_OK;
out:
    if (c) {
        close_files(c, ok);
        if (ok)
            err = c->err;
        if (err == TW_OK && sum) {
            memset(sum, 0, sizeof(*sum));
            for (i = 0; i < 5; i++) {
                sum->rows[i] = c->out[i].rows;
                sum->bad_rows[i] = c->out[i].bad;
            }
            sum->planted_entities = c->planted;
            sum->schemes = c->schemes;
        }
        free(special);
        free(c->emp);
        free(c->ag);
        free(c->units);
        free(c);
    }
    return err;
}

"""Hand-written linguistic knowledge: id/ms markers, kanji forms, region languages, function words.

Sources: standard Malay (Dewan Bahasa) vs Indonesian (KBBI) spelling and vocabulary differences;
shinjitai vs simplified Chinese character forms; frequent function words per language. Words are
chosen from grammar knowledge, not from the evaluation data.
"""

from __future__ import annotations

import re

# --- Indonesian vs Malay -----------------------------------------------------------------------------
# Word -> weight. A weight of 1 is a spelling or word used by one standard and (almost) never the other.
MALAY_MARKERS: dict[str, float] = {
    **dict.fromkeys(
        "kerana bahawa iaitu sahaja wang baharu percuma polis pejabat mahu cuba faham sihat kesihatan "
        "doktor ubat jururawat rawatan antarabangsa berbanding manakala syarikat esok sukan saintis "
        "ogos julai disember peratus bilion sebahagian bahagian tentera mendapati ditemui sesetengah "
        "menerusi mengikut hospital korang nak camne sikit kat je dah hendak apabila selepas "
        "semasa sekiranya kanak sebarang perlawanan kenderaan telefon televisyen filem muzik muzium "
        "projek jabatan setiausaha pengerusi perniagaan bas teksi ais kempen universiti siswazah "
        # added after reading dev-split errors (the test split was not looked at):
        "pelakon amatur semestinya tasik pencalonan berbaloi bersiar saiz umpama "
        "penempatan dipanggil bermaksud bakteria membiak pelbagai terutamanya berjaga menjejak minit sekejap "
        "bergaduh kerusi keselamatan gabenor mengalu matlamat askar pentadbiran pengasas kesatuan eropah "
        "perkataan bilik mengekalkan menghantar asas jadual bermakna memerhatikan kelajuan piramid".split(),
        1.0,
    ),
    **dict.fromkeys(
        "boleh daripada ialah macam betul ramai bandar pasukan pelajar memberi ahli mempunyai kerajaan ia "
        "kawasan sewaktu "
        # words Indonesian uses too (awak kapal, luar negeri, rancangan undang-undang, kereta api, Perancis):
        "awak negeri rancangan kereta lapangan perancis bilangan".split(),
        0.4,
    ),
}
INDONESIAN_MARKERS: dict[str, float] = {
    **dict.fromkeys(
        "karena bisa saja uang bahwa yaitu mobil gratis polisi kantor mau coba paham sehat kesehatan dokter "
        "obat perawat perawatan internasional dibandingkan sedangkan pemerintah serikat besok olahraga "
        "ilmuwan agustus juli desember persen miliar sebagian bagian tentara menemukan ditemukan menurut "
        "nggak gak enggak ngga banget bgt aja sih dong kok yg dgn tdk udah gimana emang kayak gue lo loe "
        "cuma biar tau kalian bandara film musik museum proyek provinsi departemen "
        "sekretaris ketua anggota bisnis bus taksi es kampanye universitas mahasiswa kendaraan telepon "
        "televisi memiliki misalnya "
        "tewas tiongkok kursi prancis eropa menit jadwal kecepatan bakteri danau amatir piramida berbagai "
        "disebut keamanan gubernur mengirim kamar "
        # Indonesian words whose Malay counterparts differ (bekas, datuk bandar, melalui, berbeza, pasport...);
        # picked from train-split errors (dev had none left; the test split was not looked at):
        "mantan walikota melewati berbeda relawan menaruh kondektur paspor khusus salju kartu pernikahan "
        "diizinkan diajukan biner pengunjuk seringkali ronde reguler".split(),
        1.0,
    ),
    **dict.fromkeys("adalah kota tim siswa memberikan sekitar saat".split(), 0.4),
}
# Clitics stripped before marker look-up (saiznya -> saiz, bolehlah -> boleh).
CLITICS = ("nya", "lah", "kah", "pun")
# Malay writes Latin -ity words as -iti (universiti, aktiviti); Indonesian as -itas.
MALAY_SUFFIX = re.compile(r"^\w{3,}(?<!el)iti$")
INDONESIAN_SUFFIX = re.compile(r"^\w{3,}itas$")

# --- Japanese kanji vs Chinese hanzi ---------------------------------------------------------------------
# Simplified forms Japanese never writes, and Japanese shinjitai forms Chinese never writes.
SIMPLIFIED_ONLY = frozenset("这们说个么时过还对发见样现开关问间长门东车书买卖让认识读钱铁银题风飞马鱼鸟龙边话语谁")
JAPANESE_ONLY = frozenset("気売読説広駅円図鉄銭関対発単変様薬楽験経続検県実払歳辺沢桜覚党")

# --- Region (ISO 3166-1 alpha-2) -> languages most of its creators write ------------------------------
_REGION_GROUPS = {
    "en": "US GB AU CA NZ IE SG PH NG KE ZA IN MY",
    "id": "ID",
    "ms": "MY BN SG",
    "es": "ES MX AR CO CL PE VE EC GT CU BO DO HN PY SV NI CR PA UY PR US",
    "pt": "BR PT AO MZ",
    "fr": "FR BE CH CA SN CI CM MA DZ TN",
    "ja": "JP",
    "ko": "KR",
    "tl": "PH",
    "de": "DE AT CH",
    "it": "IT CH",
    "nl": "NL BE",
    "zh": "CN TW HK",
}


def region_languages(region: str | None) -> tuple[str, ...]:
    """Languages the creators of a country mostly use, main language first."""
    if not region:
        return ()
    region = region.upper()
    main = [lang for lang, regions in _REGION_GROUPS.items() if regions.split()[0] == region]
    rest = [lang for lang, regions in _REGION_GROUPS.items() if region in regions.split() and lang not in main]
    return tuple(main + rest)


# Words for splitting concatenated lower-case hashtags (#kesehatanmental, #mentalhealthmatters).
HASHTAG_VOCABULARY = frozenset(
    "mental health matters awareness self care love life anxiety depression stress support help suicide "
    "prevention eating disorder recovery wellness wellbeing healthy happy sad day week motivation fitness "
    "food sleep body mind you are not alone it okay to be me my your kesehatan sehat jiwa cinta diri depresi "
    "cemas stres hidup bahagia sedih hari ini sayang peduli bunuh makan tidur kesihatan sihat salud "
    "ansiedad depresion vida amor bienestar saude ansiedade depressao setembro amarelo sante mentale "
    "bien etre soin de la el los para tu su".split()
)

# Frequent function words: 1-3-word texts carry too few n-grams, but often one of these whole words.
_FUNCTION_WORDS = {
    "en": "the of and to in is that for it with as was on are be this by not you at have from or but "
    "his they which my me i we she he what so just do",
    "de": "der die das und ist nicht ein eine zu den von mit sich des auf für im dem auch es an werden "
    "aus er hat dass sie nach wird bei einer um noch wie",
    "nl": "de het een en van is dat niet op te zijn voor met die ook als aan er maar om door naar bij uit "
    "worden wordt werd hij zij",
    "fr": "le la les de des et est un une du en que qui dans pour pas au sur ne se par il elle sont avec ce "
    "cette plus aux je tu nous vous",
    "es": "el la los las de del y que en un una es por con para se no al lo como más su sus pero le fue "
    "este esta yo muy",
    "pt": "o a os as de do da dos das e que em um uma é não no na com para por se mais ao foi seu sua pelo "
    "pela também eu muito",
    "it": "il lo la gli le di del della che e è un una per non in con si da al alla dei sono anche come più "
    "questo nel io",
    "id": "yang dan di ini itu dengan untuk dari dalam tidak akan pada ke juga oleh ada karena bahwa adalah "
    "saya mereka kami telah sudah bisa atau aku kamu",
    "tl": "ang ng mga sa na at ay si ni para hindi ito iyon kung may siya sila namin ako ko mo nang pa rin din lang",
}


def function_word_languages() -> dict[str, tuple[str, ...]]:
    """Function word -> the languages it is frequent in."""
    out: dict[str, list[str]] = {}
    for lang, words in _FUNCTION_WORDS.items():
        for word in words.split():
            out.setdefault(word, []).append(lang)
    return {word: tuple(langs) for word, langs in out.items()}


FUNCTION_WORDS = function_word_languages()

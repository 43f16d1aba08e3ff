"""Golden crisis cases per language, keywords alone: ideation, plans, slang and misspellings give a current
risk and the crisis line; hyperbole and insults aimed at others do not."""

from __future__ import annotations

import pytest

from workers.tagging import TagInput, TagOptions, load_taxonomy, tag

KEYWORDS = TagOptions(use_learned_signal=False)
PSA_MIN = 0.75  # workers.routing.types.RouteOptions.psa_min_score

CURRENT = [
    ("en", "I want to kill myself tonight"),
    ("en", "i think i will kil myself"),
    ("en", "been having suicde thoughts again"),
    ("en", "I want to unalive myself"),
    ("en", "honestly I hope I don't wake up tomorrow"),
    ("en", "some nights I wish I could close my eyes and never wake up"),
    ("en", "I'm going to drink bleach tonight, see ya when I see ya"),
    ("es", "hoy voy a tomarme todas las pastillas"),
    ("pt", "planejava estar morto agora"),
    ("en", "done with life, I'm just so tired of it"),
    ("en", "I tried to kill myself last year and I want to end it again"),
    ("en", "by the time you read this I will be gone"),
    ("es", "no quiero existir"),
    ("es", "me quiero desaparecer de este mundo"),
    ("es", "ya no quiero vivir, estoy cansada de vivir"),
    ("pt", "eu quero me matar, não aguento mais viver"),
    ("pt", "queria sumir, cansado de viver"),
    ("id", "aku pengen mati aja, capek hidup"),
    ("id", "pengen bunuh diri rasanya"),
    ("id", "capek banget, pengen bundir aja"),
    ("id", "kemarin nyilet tangan lagi, udah ga kuat lagi"),
    ("id", "gue udah nyerah, pengen mati aja"),
    ("es", "no, no quiero existir"),
    ("es", "hoy más que nunca quiero desaparecer"),
    ("es", "tengo ganas de desaparecer del mundo"),
    ("pt", "queria estar morto, penso em suicídio todo dia"),
    ("fr", "je veux en finir, j'ai envie de mourir"),
    ("ja", "もう死にたい"),
    ("ja", "消えてしまいたい"),
    ("ko", "정말 죽고 싶다"),
    ("ko", "이 정도면 충분히 산 것 같은데"),
    ("ja", "もうまじでタヒにたい"),
    ("ja", "生まれてこなければよかった"),
    ("ko", "오늘 한강 물 온도 몇 도야"),
    ("ko", "진짜 죽고시퍼"),
    ("en", "I took pills last month, that was my last attempt and now I want to die"),
    ("en", "been feeling suicidial all week"),
    ("en", "I tried to end my life in 2019"),
    # a negation inside an "if" clause negates the condition, not the wish
    ("es", "si no salgo pronto de aquí quiero morirme"),
    ("pt", "se eu não sair logo daqui quero morrer"),
    # a person described who threatens or tried to end their life
    ("en", "my 14 year old son threatened to kill himself last night"),
    ("en", "my best friend keeps talking about killing herself"),
    ("es", "mi hermano amenazó con matarse"),
    ("pt", "minha amiga tentou se matar ontem"),
    ("fr", "mon frère menace de se suicider"),
    ("pt", "quero me suicidar"),
    # "suicide" / 自殺 / 자살 alone are mention terms: wanting to commit it speaks of a person
    ("en", "I want to commit suicide"),
    ("ja", "自殺したい"),
    ("ko", "자살하고 싶다"),
    ("ja", "もう生きていたくない"),
    ("ko", "살고 싶지 않아"),
    # the Columbia scale's first question as tweets write it; a recalled attempt; spellings and slang
    ("es", "quiero dormir y nunca más despertar"),
    ("es", "creo que ya no quiero despertar"),
    ("es", "la verdad ya no quiero ni existir"),
    ("pt", "eu quase me matei duas vezes esse ano"),
    ("id", "mau bndir aja rasanya"),
    ("id", "pengen matiin diri sendiri"),
    ("en", "I held a knife to my throat again last night"),
    # the wish named, tired of living, a method asked for (the searches a crisis line is shown for)
    ("en", "what is the most painless way to die"),
    ("id", "cara bunuh diri tanpa rasa sakit gimana"),
    ("pt", "queria morrer sem dor"),
    ("ja", "自殺願望がずっと消えない"),
    ("ja", "楽に死ねる方法ないかな"),
    ("ja", "もう生きるのに疲れた"),
    ("ko", "자살 충동이 너무 심해"),
    ("ko", "내일이 안 왔으면 좋겠다"),
    ("en", "honestly life isn't worth living"),
    ("es", "quisiera no haber nacido"),
    ("pt", "queria não ter nascido"),
    ("id", "nyesel dilahirin ke dunia ini"),
    ("ja", "今夜死のうと思う"),
    ("ko", "자다가 죽었으면 좋겠어"),
    ("ko", "또 손목을 그었어"),
    # an overdose taken
    ("en", "I took a bunch of pills an hour ago"),
    ("pt", "tomei todos os remédios da caixa"),
    ("ja", "さっき薬を大量に飲んだ"),
    ("ko", "약을 한꺼번에 먹었어"),
    # a suicide note written, the burden said of oneself with everyone named, dying tonight
    ("ja", "昨日遺書を書いた"),
    ("ja", "私がいない方がみんな幸せになれる"),
    ("ko", "어제 유서를 썼어"),
    ("ko", "내가 없는 게 모두에게 나아"),
    ("ko", "오늘 밤 죽으려고"),
    ("ja", "また自分を傷つけてしまった"),
    # a plan named
    ("en", "I have a plan to end it"),
    ("pt", "tenho um plano pra acabar com tudo"),
    ("id", "aku punya rencana buat mengakhiri semuanya"),
    # French as it is written: informal wishes, an overdose taken, a plan for tonight
    ("fr", "j'ai envie de crever"),
    ("fr", "je veux plus vivre"),
    ("fr", "j'ai avalé tous mes médicaments"),
    ("fr", "je pense en finir ce soir"),
    # the plea as a sense drops only itself: the author's own wish beside it still counts
    ("en", "everyone keeps saying don't die but I want to die"),
    ("ko", "다들 죽지 마래 근데 나 진짜 죽고 싶어"),
]

# Medium terms: the topic (a "mention" until the crisis head or a second term says current; current at once in
# the taxonomy's current_on_one_medium languages).
INDIRECT = [
    ("en", "this is goodbye, thank you all"),
    # perceived burdensomeness (the interpersonal theory of suicide)
    ("en", "nobody would miss me if I was gone"),
    ("es", "soy una carga para todos"),
    ("pt", "sou um peso para todos"),
    ("fr", "je suis un fardeau pour tout le monde"),
    ("id", "aku cuma jadi beban buat semua orang"),
    ("ja", "私がいなくなっても誰も悲しまない"),
    ("ko", "내가 없어져도 아무도 슬퍼하지 않을 거야"),
    # self-harm told as it happens
    ("en", "I've been cutting again"),
    ("es", "me corté otra vez"),
    ("pt", "me cortei de novo"),
    ("fr", "je me suis encore scarifié"),
    ("ko", "또 자해했어"),
    ("es", "no quiero estar mas aqui"),
    ("pt", "queria dormir pra sempre"),
    ("pt", "Se eu não sair logo vou me matar"),
    ("fr", "je veux dormir pour toujours"),
    ("id", "aku gamau hidup"),
    ("pt", "todo mundo seria melhor sem mim"),
    ("es", "no vale la pena seguir viviendo"),
    ("en", "I want to stop cutting but I can't"),
    ("en", "I've been hurting myself again"),
    ("pt", "todo mundo ficaria melhor sem mim"),
    ("id", "semua orang lebih baik tanpa aku"),
    ("ja", "私がいない方がみんな幸せ"),
    ("ko", "내가 없는 게 모두에게 나아"),
    ("en", "nobody would notice, I could just leave this world"),
    # the point of life denied (the negation is the term's own), a plan with a day
    ("en", "I don't really see the point in life anymore"),
    ("en", "I'm going to go through with it tomorrow"),
]

NOT_A_CRISIS_LINE = [
    ("en", "this exam is killing me"),
    ("en", "kill me now lol, monday again"),
    ("en", "I'm dying of laughter at this video"),
    ("en", "go die, nobody likes you"),
    ("en", "kill yourself loser"),
    ("es", "me muero de risa con este video"),
    ("es", "me muero de hambre"),
    ("pt", "vou morrer de rir"),
    ("pt", "se eu tirar nota baixa vou me matar"),
    ("pt", "morrendo de saudade de você"),
    ("id", "mati gaya banget hari ini"),
    ("id", "ngakak sampe mati"),
    ("id", "tugas ini bikin mati gaya"),
    ("id", "mati ketawa baca thread ini"),
    ("id", "itu sama aja bunuh diri buat kariernya"),
    ("es", "me quiero morir de risa con este meme"),
    ("es", "me mato de risa contigo"),
    ("es", "mi mamá va a matarme si ve esto"),
    ("es", "ya puedo morir en paz, vi a mi banda favorita"),
    ("es", "no quiero vivir más en esta ciudad"),
    ("pt", "você quer me matar de susto?"),
    ("pt", "essa música acabou de me matar"),
    ("pt", "cansado de viver nesse lugar"),
    ("pt", "tenho 76 slides, acabou com a minha vida social"),
    ("fr", "mort de rire"),
    ("ja", "死ぬほど笑った"),
    ("ko", "배고파 죽겠다"),
    ("ko", "웃겨 죽겠다 진짜"),
    ("en", "my dad was killing himself laughing at the movie"),
    ("es", "me corté el pelo ayer"),
    ("pt", "me cortei fazendo comida"),
    ("id", "gol bunuh diri di menit terakhir bikin kalah"),
    ("pt", "postei a dança no insta, fiz o famoso suicídio social"),
    ("pt", "não adote aquele esquema tático suicida de novo"),
    ("es", "fue un suicidio político para el partido"),
    # a plea to someone else speaks of the listener (a game, a drama, a pet), not of the author
    ("en", "don't die please, one more level"),
    ("es", "no te mueras por favor"),
    ("pt", "não morre por favor"),
    ("id", "jangan mati dulu ya"),
    ("ja", "死なないで"),
    ("ko", "죽지마. 죽지마 제발"),
    # someone else's anger, dying of embarrassment, abuse aimed at another: the death word is ruled out, so the
    # crisis head does not read it either (on its own the shipped head rated such captions 0.56-0.96)
    ("en", "my boss is gonna kill me, I missed the deadline"),
    ("es", "me muero de vergüenza, se me cayó el café"),
    ("es", "mi papá me va a matar cuando vea el coche"),
    ("pt", "tô morrendo de vergonha de ontem"),
    ("pt", "vai se matar, ninguém te aguenta"),
    ("id", "bapakku bakal bunuh aku kalau tahu"),
    ("id", "bunuh diri aja sana, ga guna lo"),
    ("ja", "恥ずかしすぎて死にそう"),
    ("ja", "死ねよ、うざい"),
    ("ko", "부끄러워서 죽을 것 같아"),
    ("fr", "je meurs de honte"),
    ("fr", "va crever, sale type"),
]

MENTION = [
    ("en", "Suicide prevention month: the hotline is open all night"),
    ("es", "aumentan los casos de suicidio en jóvenes"),
    ("ko", "자살예방 캠페인이 시작됐다"),
    ("en", "The singer killed himself in 1994, the band said in a statement"),
    ("es", "mi mejor amigo se suicidó el año pasado"),
    ("pt", "meu primo se suicidou ontem"),
    # 遺書 / 유서 alone: a will, a novel's title
    ("ja", "祖父の遺書が見つかった"),
    ("ko", "유서라는 제목의 소설을 읽었다"),
]


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy()


def run(taxonomy, language, text):
    return tag(TagInput(caption=text, language=language), taxonomy, KEYWORDS)


def crisis_score(result):
    return next((t.score for t in result.topics if t.topic == "suicide_self_harm"), 0.0)


@pytest.mark.parametrize(("language", "text"), CURRENT)
def test_ideation_plans_and_slang_are_a_current_risk_with_the_crisis_line(taxonomy, language, text):
    got = run(taxonomy, language, text)
    assert got.risk == "current", (text, got)
    assert crisis_score(got) >= PSA_MIN


@pytest.mark.parametrize(("language", "text"), INDIRECT)
def test_indirect_ideation_names_the_topic(taxonomy, language, text):
    assert "suicide_self_harm" in run(taxonomy, language, text).topic_ids(), text


# No crisis term, though the learned crisis head may still read the words as a risk (it does for both: short
# texts near ideation in meaning), which is the head's call, not the taxonomy's.
NO_CRISIS_TERM = [
    ("id", "mau ga mau hidup harus tetap jalan"),  # "like it or not", not "ga mau hidup" (not wanting to live)
    ("pt", "não quero estar aqui quando ele chegar"),  # "nao quero estar aqui" only supports in Portuguese
]


@pytest.mark.parametrize(("language", "text"), NO_CRISIS_TERM)
def test_near_misses_of_a_crisis_term_match_none(taxonomy, language, text):
    got = run(taxonomy, language, text)
    assert got.risk == "none" and "suicide_self_harm" not in got.topic_ids(), (text, got)


def test_a_negation_right_before_the_wish_still_negates_it_after_if(taxonomy):
    for language, text in (("en", "if I don't kill myself today it is a miracle"), ("pt", "eu não vou me matar"),
                           ("es", "si no quiero morir, no lo pienso"), ("pt", "eu tb n vou me matar por isso")):
        assert "suicide_self_harm" not in run(taxonomy, language, text).topic_ids(), text


@pytest.mark.parametrize(("language", "text"), NOT_A_CRISIS_LINE)
def test_hyperbole_and_insults_get_no_crisis_line(taxonomy, language, text):
    got = run(taxonomy, language, text)
    assert got.risk != "current" and crisis_score(got) < PSA_MIN, (text, got)


@pytest.mark.parametrize(("language", "text"), [
    ("en", "go kill yourself, nobody wants you here"),
    ("ko", "너 같은 건 나가 죽어"),
    ("es", "en el colegio me acosaban todos los días"),
    ("pt", "vai se matar, ninguém te aguenta"),
    ("id", "bunuh diri aja sana, ga guna lo"),
    ("ja", "死ねよ、うざい"),
    ("fr", "va crever, sale type"),
])
def test_abuse_aimed_at_others_is_bullying(taxonomy, language, text):
    got = run(taxonomy, language, text)
    assert "bullying" in got.topic_ids() and got.risk != "current", (text, got)


@pytest.mark.parametrize(("language", "text"), MENTION)
def test_news_and_prevention_are_a_mention(taxonomy, language, text):
    got = run(taxonomy, language, text)
    assert "suicide_self_harm" in got.topic_ids() and got.risk == "mention"


def test_one_medium_first_person_term_is_current_only_where_the_taxonomy_says(taxonomy):
    # Spanish is in current_on_one_medium (its weak tweets with such a term are 92 % "suicidal"); Portuguese
    # is not (77 %): there "vou me matar" alone is a mention the crisis head may raise.
    assert taxonomy.current_on_one_medium == frozenset({"es"})
    assert run(taxonomy, "es", "si nadie me habla voy a proceder a matarme").risk == "current"
    assert run(taxonomy, "pt", "acabei de passar vergonha, vou me matar").risk == "mention"


def test_a_plan_to_drink_bleach_is_a_crisis_not_a_false_claim(taxonomy):
    got = run(taxonomy, "en", "I'm going to drink bleach tonight, see ya when I see ya")
    assert got.risk == "current" and "misinformation_signal" not in got.topic_ids()
    assert "misinformation_signal" in run(taxonomy, "en", "drink bleach to kill the virus").topic_ids()


def test_negated_ideation_is_no_risk(taxonomy):
    got = run(taxonomy, "en", "I don't want to die, I just want a nap")
    assert got.risk == "none" and "suicide_self_harm" not in got.topic_ids()


@pytest.fixture(scope="module")
def shipped_signal():
    from workers.errors import InfrastructureError
    from workers.tagging.learned import LearnedSignal

    try:
        return LearnedSignal()
    except InfrastructureError as exc:
        pytest.skip(f"learned signal unavailable: {exc}")


@pytest.mark.parametrize(("language", "text"), CURRENT)
def test_with_the_shipped_heads_every_crisis_case_stays_current(taxonomy, shipped_signal, language, text):
    got = tag(TagInput(caption=text, language=language), taxonomy, TagOptions(), shipped_signal)
    assert got.risk == "current" and crisis_score(got) >= PSA_MIN


@pytest.mark.parametrize(("language", "text"), NOT_A_CRISIS_LINE)
def test_with_the_shipped_heads_hyperbole_and_insults_get_no_crisis_line(taxonomy, shipped_signal, language, text):
    got = tag(TagInput(caption=text, language=language), taxonomy, TagOptions(), shipped_signal)
    assert got.risk != "current" and crisis_score(got) < PSA_MIN, (text, got)


# Video transcripts run past TagOptions.crisis_bar_max_words, where an idiom no longer bars the crisis head:
# the head itself has to read them as the hyperbole they are.
LONG_HYPERBOLE = [
    "lmao I'm dead, this cat just knocked the whole cake off the table. My sister spent four hours on that cake "
    "for my mom's birthday and the cat looked straight at the camera before pushing it. We are all crying "
    "laughing right now. Subscribe for more of Mochi's crimes, she does something like this every single week.",
    "This exam is killing me, I swear. Three chapters of organic chemistry in one night and I still don't get "
    "the reaction mechanisms. If I fail this one I'm going to be so mad at myself. Anyway here's how I make "
    "flashcards, maybe it helps someone else who is cramming tonight. Wish me luck tomorrow morning guys.",
    "Career suicide, honestly. The senator tweeted that at two in the morning and by breakfast every news "
    "channel was playing it on repeat. His staff deleted it an hour later but screenshots are forever. In "
    "today's video I break down what he said, why it matters for the election, and what the polls said.",
]


@pytest.mark.parametrize("text", LONG_HYPERBOLE, ids=lambda t: t[:20])
def test_with_the_shipped_heads_hyperbole_in_a_long_transcript_gets_no_crisis_line(taxonomy, shipped_signal, text):
    assert len(text.split()) > TagOptions().crisis_bar_max_words
    got = tag(TagInput(transcript=text, language="en"), taxonomy, TagOptions(), shipped_signal)
    assert got.risk != "current" and crisis_score(got) < PSA_MIN, (text, got)

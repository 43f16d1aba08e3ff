"""Normalization before detection: URLs, mentions, hashtags, emoji, repeats, scripts."""

from __future__ import annotations

import pytest

from workers.language.normalize import clean, clean_hashtags, count_scripts, normalize_prose, split_hashtag


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("cek https://example.com/a?b=1 ya", "cek ya"),
        ("lihat www.kemkes.go.id sekarang", "lihat sekarang"),
        ("halo @budi.santoso apa kabar", "halo apa kabar"),
        ("tulis ke info@who.int segera", "tulis ke segera"),
        ("so happy 😀🎉 today", "so happy today"),
        ("love 👍🏽 it", "love it"),
        ("soooo tired todayyyy", "so tired today"),
        ("goooood morning", "good morning"),
        ("MENTAL HEALTH MATTERS", "mental health matters"),
        ("I am OK", "I am ok"),  # single capitals stay; any all-caps word is calmed
    ],
)
def test_normalize_prose(raw: str, expected: str) -> None:
    assert normalize_prose(raw) == expected


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("#MentalHealthMatters", "Mental Health Matters"),
        ("#kesehatanmental", "kesehatan mental"),
        ("#saude_mental", "saude mental"),
        ("#covid19", "covid 19"),
        ("#fyp", ""),
        ("#ForYouPage", ""),  # generic platform tags carry no language
        ("#SelfCareSunday", "Self Care Sunday"),
        ("#xqzvbnmplk", "xqzvbnmplk"),
    ],
)
def test_split_hashtag(tag: str, expected: str) -> None:
    assert split_hashtag(tag) == expected


def test_clean_separates_inline_hashtags_from_prose() -> None:
    cleaned = clean("Jaga diri ya #kesehatanmental #fyp @teman")
    assert cleaned.prose == "Jaga diri ya"
    assert cleaned.hashtags == ("kesehatan mental",)
    assert clean_hashtags(["SelfCare", "viral"]) == ("Self Care",)


def test_count_scripts() -> None:
    counts = count_scripts("안녕 hello こんにちは 東京")
    assert (counts.hangul, counts.latin, counts.kana, counts.han) == (2, 5, 5, 2)
    assert count_scripts("123 !!").letters == 0

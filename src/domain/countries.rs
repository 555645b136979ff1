//! Countries and languages offered for agreement template documents (contract §4.5, §8 row 15).
//!
//! Every supported country offers `en-US`; some offer exactly one further language. Country codes
//! are matched case-sensitively (`US` is supported, `us` is not). The contract's snapshot lists
//! some countries with a duplicated `en-US` entry; those duplicates are collapsed here, so KY, PR,
//! LC, MF and SX offer `en-US` only.
//!
//! The contract presents three tables: 155 countries offering only `en-US`, and 91 countries
//! offering `en-US` plus one more language, of which 61 share that language with other countries
//! and 30 are the only country offering theirs. One private slice sorted by country code merges
//! them, so a lookup is a binary search.

/// The default language, offered by every supported country and always listed first.
const EN: &str = "en-US";

/// Languages of a country that offers `en-US` only.
const EN_US: &[&str] = &[EN];

// Languages of countries offering `en-US` plus one more language, named after that language.
const AR_SA: &[&str] = &[EN, "ar-SA"];
const BG_BG: &[&str] = &[EN, "bg-BG"];
const CS_CZ: &[&str] = &[EN, "cs-CZ"];
const DA_DK: &[&str] = &[EN, "da-DK"];
const DE_DE: &[&str] = &[EN, "de-DE"];
const EL_GR: &[&str] = &[EN, "el-GR"];
const ES_ES: &[&str] = &[EN, "es-ES"];
const ET_EE: &[&str] = &[EN, "et-EE"];
const FI_FI: &[&str] = &[EN, "fi-FI"];
const FR_FR: &[&str] = &[EN, "fr-FR"];
const HE_IL: &[&str] = &[EN, "he-IL"];
const HI_IN: &[&str] = &[EN, "hi-IN"];
const HR_HR: &[&str] = &[EN, "hr-HR"];
const HU_HU: &[&str] = &[EN, "hu-HU"];
const ID_ID: &[&str] = &[EN, "id-ID"];
const IT_IT: &[&str] = &[EN, "it-IT"];
const JA_JP: &[&str] = &[EN, "ja-JP"];
const KK_KZ: &[&str] = &[EN, "kk-KZ"];
const KO_KR: &[&str] = &[EN, "ko-KR"];
const LT_LT: &[&str] = &[EN, "lt-LT"];
const LV_LV: &[&str] = &[EN, "lv-LV"];
const MS_MY: &[&str] = &[EN, "ms-MY"];
const NB_NO: &[&str] = &[EN, "nb-NO"];
const NL_NL: &[&str] = &[EN, "nl-NL"];
const PL_PL: &[&str] = &[EN, "pl-PL"];
const PT_BR: &[&str] = &[EN, "pt-BR"];
const PT_PT: &[&str] = &[EN, "pt-PT"];
const RO_RO: &[&str] = &[EN, "ro-RO"];
const RU_RU: &[&str] = &[EN, "ru-RU"];
const SK_SK: &[&str] = &[EN, "sk-SK"];
const SL_SI: &[&str] = &[EN, "sl-SI"];
const SR_LATN_RS: &[&str] = &[EN, "sr-Latn-RS"];
const SV_SE: &[&str] = &[EN, "sv-SE"];
const TH_TH: &[&str] = &[EN, "th-TH"];
const TR_TR: &[&str] = &[EN, "tr-TR"];
const UK_UA: &[&str] = &[EN, "uk-UA"];
const VI_VN: &[&str] = &[EN, "vi-VN"];
const ZH_HK: &[&str] = &[EN, "zh-HK"];
const ZH_SG: &[&str] = &[EN, "zh-SG"];

/// Every supported country with the languages it offers (`en-US` first), sorted by country code
/// in byte order with no duplicates, which [`languages_for`] relies on for its binary search.
#[rustfmt::skip]
static TABLE: &[(&str, &[&str])] = &[
    ("AD", EN_US), ("AE", AR_SA), ("AF", EN_US), ("AG", EN_US), ("AI", EN_US),
    ("AL", EN_US), ("AM", EN_US), ("AO", PT_PT), ("AQ", EN_US), ("AR", ES_ES),
    ("AS", EN_US), ("AT", DE_DE), ("AU", EN_US), ("AW", EN_US), ("AX", EN_US),
    ("AZ", EN_US), ("BA", EN_US), ("BB", EN_US), ("BD", EN_US), ("BE", NL_NL),
    ("BF", EN_US), ("BG", BG_BG), ("BH", AR_SA), ("BI", EN_US), ("BJ", EN_US),
    ("BL", EN_US), ("BM", EN_US), ("BN", EN_US), ("BO", ES_ES), ("BQ", EN_US),
    ("BR", PT_BR), ("BS", EN_US), ("BT", EN_US), ("BV", EN_US), ("BW", EN_US),
    ("BY", RU_RU), ("BZ", ES_ES), ("CA", FR_FR), ("CC", EN_US), ("CD", EN_US),
    ("CF", EN_US), ("CG", EN_US), ("CH", FR_FR), ("CI", FR_FR), ("CK", EN_US),
    ("CL", ES_ES), ("CM", FR_FR), ("CO", ES_ES), ("CR", ES_ES), ("CV", PT_PT),
    ("CW", EN_US), ("CX", EN_US), ("CY", EN_US), ("CZ", CS_CZ), ("DE", DE_DE),
    ("DJ", EN_US), ("DK", DA_DK), ("DM", EN_US), ("DO", ES_ES), ("DZ", FR_FR),
    ("EC", EN_US), ("EE", ET_EE), ("EG", AR_SA), ("ER", EN_US), ("ES", ES_ES),
    ("ET", EN_US), ("FI", FI_FI), ("FJ", EN_US), ("FK", EN_US), ("FM", EN_US),
    ("FO", EN_US), ("FR", FR_FR), ("GA", EN_US), ("GB", EN_US), ("GD", EN_US),
    ("GE", EN_US), ("GF", FR_FR), ("GG", EN_US), ("GH", EN_US), ("GI", EN_US),
    ("GL", EN_US), ("GM", EN_US), ("GN", EN_US), ("GP", EN_US), ("GQ", EN_US),
    ("GR", EL_GR), ("GS", EN_US), ("GT", ES_ES), ("GU", EN_US), ("GW", EN_US),
    ("GY", EN_US), ("HK", ZH_HK), ("HM", EN_US), ("HN", ES_ES), ("HR", HR_HR),
    ("HT", EN_US), ("HU", HU_HU), ("ID", ID_ID), ("IE", EN_US), ("IL", HE_IL),
    ("IM", EN_US), ("IN", HI_IN), ("IO", EN_US), ("IQ", AR_SA), ("IS", EN_US),
    ("IT", IT_IT), ("JE", EN_US), ("JM", EN_US), ("JO", AR_SA), ("JP", JA_JP),
    ("KE", EN_US), ("KG", RU_RU), ("KH", EN_US), ("KI", EN_US), ("KM", EN_US),
    ("KN", EN_US), ("KR", KO_KR), ("KW", AR_SA), ("KY", EN_US), ("KZ", KK_KZ),
    ("LA", EN_US), ("LB", AR_SA), ("LC", EN_US), ("LI", DE_DE), ("LK", EN_US),
    ("LR", EN_US), ("LS", EN_US), ("LT", LT_LT), ("LU", FR_FR), ("LV", LV_LV),
    ("LY", AR_SA), ("MA", FR_FR), ("MC", FR_FR), ("MD", RO_RO), ("ME", EN_US),
    ("MF", EN_US), ("MG", EN_US), ("MH", EN_US), ("MK", EN_US), ("ML", EN_US),
    ("MM", EN_US), ("MN", EN_US), ("MO", ZH_HK), ("MP", EN_US), ("MQ", EN_US),
    ("MR", EN_US), ("MS", EN_US), ("MT", EN_US), ("MU", AR_SA), ("MV", EN_US),
    ("MW", EN_US), ("MX", ES_ES), ("MY", MS_MY), ("MZ", EN_US), ("NA", EN_US),
    ("NC", EN_US), ("NE", EN_US), ("NF", EN_US), ("NG", EN_US), ("NI", ES_ES),
    ("NL", NL_NL), ("NO", NB_NO), ("NP", EN_US), ("NR", EN_US), ("NU", EN_US),
    ("NZ", EN_US), ("OM", AR_SA), ("PA", ES_ES), ("PE", ES_ES), ("PF", EN_US),
    ("PG", EN_US), ("PH", EN_US), ("PK", EN_US), ("PL", PL_PL), ("PM", EN_US),
    ("PN", EN_US), ("PR", EN_US), ("PS", EN_US), ("PT", PT_PT), ("PW", EN_US),
    ("PY", ES_ES), ("QA", AR_SA), ("RE", EN_US), ("RO", RO_RO), ("RS", SR_LATN_RS),
    ("RU", RU_RU), ("RW", FR_FR), ("SA", EN_US), ("SB", EN_US), ("SC", EN_US),
    ("SE", SV_SE), ("SG", ZH_SG), ("SH", EN_US), ("SI", SL_SI), ("SJ", EN_US),
    ("SK", SK_SK), ("SL", EN_US), ("SM", EN_US), ("SN", FR_FR), ("SO", EN_US),
    ("SR", EN_US), ("SS", EN_US), ("ST", FR_FR), ("SV", ES_ES), ("SX", EN_US),
    ("SZ", EN_US), ("TC", EN_US), ("TD", EN_US), ("TF", EN_US), ("TG", EN_US),
    ("TH", TH_TH), ("TJ", EN_US), ("TK", EN_US), ("TL", EN_US), ("TM", EN_US),
    ("TN", FR_FR), ("TO", EN_US), ("TR", TR_TR), ("TT", EN_US), ("TV", EN_US),
    ("TW", ZH_HK), ("TZ", EN_US), ("UA", UK_UA), ("UG", EN_US), ("UM", EN_US),
    ("US", EN_US), ("UY", ES_ES), ("UZ", RU_RU), ("VA", EN_US), ("VC", EN_US),
    ("VE", ES_ES), ("VG", EN_US), ("VI", EN_US), ("VN", VI_VN), ("VU", EN_US),
    ("WF", EN_US), ("WS", EN_US), ("XE", EN_US), ("XJ", EN_US), ("XK", EN_US),
    ("XS", EN_US), ("YE", AR_SA), ("YT", EN_US), ("ZA", EN_US), ("ZM", EN_US),
    ("ZW", EN_US),
];

/// Returns the languages offered for `country` (case-sensitive), `"en-US"` first and then the
/// one extra language if the country has one; `None` when the country is not supported.
pub fn languages_for(country: &str) -> Option<&'static [&'static str]> {
    TABLE
        .binary_search_by(|(code, _)| (*code).cmp(country))
        .ok()
        .map(|index| TABLE[index].1)
}

/// Resolves the document language for `country`.
///
/// Returns `None` when the country is not supported. Otherwise the requested language is matched
/// case-insensitively against the languages offered for the country and returned in its listed
/// spelling (`fr-fr` gives `fr-FR` for `FR`); a language the country does not offer, an empty one
/// or none at all falls back to `"en-US"`, never an error.
pub fn resolve_language(country: &str, requested: Option<&str>) -> Option<&'static str> {
    let offered = languages_for(country)?;
    let matched = requested.and_then(|wanted| {
        offered
            .iter()
            .copied()
            .find(|language| language.eq_ignore_ascii_case(wanted))
    });
    Some(matched.unwrap_or(EN))
}

/// Iterates over every supported country code, in ascending order.
pub fn supported_countries() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|(code, _)| *code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Contract §4.5: countries offering only `en-US`, as listed there.
    const CONTRACT_EN_US_ONLY: &str = "\
        AD AF AG AI AL AM AQ AS AU AW AX AZ BA BB BD BF BI BJ BL BM BN BQ BS BT BV BW CC CD CF CG \
        CK CW CX CY DJ DM EC ER ET FJ FK FM FO GA GB GD GE GG GH GI GL GM GN GP GQ GS GU GW GY HM \
        HT IE IM IO IS JE JM KE KH KI KM KN KY LA LC LK LR LS ME MF MG MH MK ML MM MN MP MQ MR MS \
        MT MV MW MZ NA NC NE NF NG NP NR NU NZ PF PG PH PK PM PN PR PS PW RE SA SB SC SH SJ SL SM \
        SO SR SS SX SZ TC TD TF TG TJ TK TL TM TO TT TV TZ UG UM US VA VC VG VI VU WF WS XE XJ XK \
        XS YT ZA ZM ZW";

    /// Contract §4.5: extra languages shared by several countries (language, countries).
    const CONTRACT_SHARED: &[(&str, &str)] = &[
        ("ar-SA", "AE BH EG IQ JO KW LB LY MU OM QA YE"),
        ("de-DE", "AT DE LI"),
        ("es-ES", "AR BO BZ CL CO CR DO ES GT HN MX NI PA PE PY SV UY VE"),
        ("fr-FR", "CA CH CI CM DZ FR GF LU MA MC RW SN ST TN"),
        ("nl-NL", "BE NL"),
        ("pt-PT", "AO CV PT"),
        ("ro-RO", "MD RO"),
        ("ru-RU", "BY KG RU UZ"),
        ("zh-HK", "HK MO TW"),
    ];

    /// Contract §4.5: languages offered in a single country (country, language).
    const CONTRACT_SINGLE: &[(&str, &str)] = &[
        ("BG", "bg-BG"),
        ("CZ", "cs-CZ"),
        ("DK", "da-DK"),
        ("GR", "el-GR"),
        ("EE", "et-EE"),
        ("FI", "fi-FI"),
        ("IL", "he-IL"),
        ("IN", "hi-IN"),
        ("HR", "hr-HR"),
        ("HU", "hu-HU"),
        ("ID", "id-ID"),
        ("IT", "it-IT"),
        ("JP", "ja-JP"),
        ("KZ", "kk-KZ"),
        ("KR", "ko-KR"),
        ("LT", "lt-LT"),
        ("LV", "lv-LV"),
        ("MY", "ms-MY"),
        ("NO", "nb-NO"),
        ("PL", "pl-PL"),
        ("BR", "pt-BR"),
        ("SK", "sk-SK"),
        ("SI", "sl-SI"),
        ("RS", "sr-Latn-RS"),
        ("SE", "sv-SE"),
        ("TH", "th-TH"),
        ("TR", "tr-TR"),
        ("UA", "uk-UA"),
        ("VN", "vi-VN"),
        ("SG", "zh-SG"),
    ];

    fn shared_countries() -> impl Iterator<Item = (&'static str, &'static str)> {
        CONTRACT_SHARED
            .iter()
            .flat_map(|(language, countries)| countries.split_whitespace().map(move |country| (country, *language)))
    }

    #[test]
    fn table_is_strictly_sorted_so_binary_search_works_and_codes_are_unique() {
        for pair in TABLE.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
    }

    #[test]
    fn country_counts_match_the_contract() {
        assert_eq!(CONTRACT_EN_US_ONLY.split_whitespace().count(), 155);
        assert_eq!(shared_countries().count(), 61);
        assert_eq!(CONTRACT_SINGLE.len(), 30);
        // The contract's "en-US plus exactly one more language (91)" covers both the shared
        // table (61) and the single-country table (30).
        assert_eq!(TABLE.iter().filter(|(_, langs)| langs.len() == 2).count(), 91);
        assert_eq!(TABLE.iter().filter(|(_, langs)| langs.len() == 1).count(), 155);
        let all: Vec<&str> = supported_countries().collect();
        assert_eq!(all.len(), 155 + 61 + 30);
        let unique: BTreeSet<&str> = all.iter().copied().collect();
        assert_eq!(unique.len(), all.len(), "duplicate country codes");
    }

    #[test]
    fn contract_tables_list_no_country_twice() {
        let mut seen = BTreeSet::new();
        let countries = CONTRACT_EN_US_ONLY
            .split_whitespace()
            .chain(shared_countries().map(|(country, _)| country))
            .chain(CONTRACT_SINGLE.iter().map(|(country, _)| *country));
        for country in countries {
            assert!(seen.insert(country), "{country} listed twice in the contract");
        }
        assert_eq!(seen.len(), TABLE.len());
    }

    #[test]
    fn every_en_us_only_country_offers_only_en_us() {
        for country in CONTRACT_EN_US_ONLY.split_whitespace() {
            assert_eq!(languages_for(country), Some(&["en-US"][..]), "{country}");
        }
    }

    #[test]
    fn every_shared_language_row_matches() {
        for (country, language) in shared_countries() {
            assert_eq!(languages_for(country), Some(&["en-US", language][..]), "{country}");
        }
    }

    #[test]
    fn every_single_country_language_row_matches() {
        for (country, language) in CONTRACT_SINGLE {
            assert_eq!(languages_for(country), Some(&["en-US", *language][..]), "{country}");
        }
    }

    #[test]
    fn spot_checks_one_country_per_extra_language() {
        let cases = [
            ("QA", "ar-SA"),
            ("LI", "de-DE"),
            ("MX", "es-ES"),
            ("SN", "fr-FR"),
            ("BE", "nl-NL"),
            ("AO", "pt-PT"),
            ("MD", "ro-RO"),
            ("UZ", "ru-RU"),
            ("TW", "zh-HK"),
            ("JP", "ja-JP"),
            ("BR", "pt-BR"),
            ("SG", "zh-SG"),
        ];
        for (country, language) in cases {
            assert_eq!(languages_for(country), Some(&["en-US", language][..]));
        }
    }

    #[test]
    fn us_offers_only_en_us() {
        assert_eq!(languages_for("US"), Some(&["en-US"][..]));
        assert_eq!(resolve_language("US", None), Some("en-US"));
        assert_eq!(resolve_language("US", Some("fr-FR")), Some("en-US"));
    }

    #[test]
    fn country_codes_are_case_sensitive() {
        assert_eq!(languages_for("us"), None);
        assert_eq!(resolve_language("us", Some("en-US")), None);
        assert_eq!(languages_for("Fr"), None);
        assert_eq!(languages_for(""), None);
        assert_eq!(languages_for("USA"), None);
        assert_eq!(languages_for("ZZ"), None);
    }

    #[test]
    fn requested_language_is_matched_case_insensitively_and_echoed_as_listed() {
        assert_eq!(resolve_language("FR", Some("fr-fr")), Some("fr-FR"));
        assert_eq!(resolve_language("FR", Some("FR-FR")), Some("fr-FR"));
        assert_eq!(resolve_language("FR", Some("EN-us")), Some("en-US"));
        assert_eq!(resolve_language("RS", Some("sr-latn-rs")), Some("sr-Latn-RS"));
    }

    #[test]
    fn language_not_offered_falls_back_to_en_us() {
        assert_eq!(resolve_language("FR", Some("de-DE")), Some("en-US"));
        assert_eq!(resolve_language("FR", Some("fr")), Some("en-US"));
        assert_eq!(resolve_language("FR", Some("")), Some("en-US"));
        assert_eq!(resolve_language("FR", None), Some("en-US"));
    }

    #[test]
    fn rs_offers_serbian_latin() {
        assert_eq!(languages_for("RS"), Some(&["en-US", "sr-Latn-RS"][..]));
    }

    #[test]
    fn collapsed_duplicates_offer_only_en_us() {
        for country in ["KY", "PR", "LC", "MF", "SX"] {
            assert_eq!(languages_for(country), Some(&["en-US"][..]), "{country}");
        }
    }

    #[test]
    fn collapsed_duplicates_keep_their_extra_language() {
        assert_eq!(languages_for("ES"), Some(&["en-US", "es-ES"][..]));
        for country in ["CH", "DZ", "MA", "TN"] {
            assert_eq!(languages_for(country), Some(&["en-US", "fr-FR"][..]));
        }
        assert_eq!(resolve_language("CH", Some("fr-FR")), Some("fr-FR"));
    }

    #[test]
    fn every_country_lists_en_us_first() {
        for (country, languages) in TABLE {
            assert_eq!(languages.first(), Some(&"en-US"), "{country}");
            assert!(languages.len() <= 2, "{country}");
        }
    }

    #[test]
    fn supported_countries_are_in_ascending_order() {
        let all: Vec<&str> = supported_countries().collect();
        assert_eq!(all.first(), Some(&"AD"));
        assert_eq!(all.last(), Some(&"ZW"));
        assert!(all.contains(&"US"));
        assert!(!all.contains(&"us"));
    }
}

//! Name pools. Chinese names come with their pinyin so that the Latin form on
//! the ticket ("ZHANG/WEI") and the native form (张伟) agree.

pub(crate) const CN_SURNAMES: &[(&str, &str)] = &[
    ("王", "WANG"), ("李", "LI"), ("张", "ZHANG"), ("刘", "LIU"), ("陈", "CHEN"),
    ("杨", "YANG"), ("黄", "HUANG"), ("赵", "ZHAO"), ("吴", "WU"), ("周", "ZHOU"),
    ("徐", "XU"), ("孙", "SUN"), ("马", "MA"), ("朱", "ZHU"), ("胡", "HU"),
    ("郭", "GUO"), ("何", "HE"), ("林", "LIN"), ("罗", "LUO"), ("高", "GAO"),
    ("郑", "ZHENG"), ("梁", "LIANG"), ("谢", "XIE"), ("宋", "SONG"), ("唐", "TANG"),
    ("许", "XU"), ("韩", "HAN"), ("冯", "FENG"), ("邓", "DENG"), ("曹", "CAO"),
    ("彭", "PENG"), ("曾", "ZENG"), ("萧", "XIAO"), ("田", "TIAN"), ("董", "DONG"),
    ("潘", "PAN"), ("袁", "YUAN"), ("蔡", "CAI"), ("蒋", "JIANG"), ("余", "YU"),
];

pub(crate) const CN_GIVEN: &[(&str, &str)] = &[
    ("伟", "WEI"), ("芳", "FANG"), ("娜", "NA"), ("敏", "MIN"), ("静", "JING"),
    ("丽", "LI"), ("强", "QIANG"), ("磊", "LEI"), ("军", "JUN"), ("洋", "YANG"),
    ("勇", "YONG"), ("艳", "YAN"), ("杰", "JIE"), ("娟", "JUAN"), ("涛", "TAO"),
    ("明", "MING"), ("超", "CHAO"), ("秀英", "XIUYING"), ("霞", "XIA"), ("平", "PING"),
    ("刚", "GANG"), ("桂英", "GUIYING"), ("建华", "JIANHUA"), ("志强", "ZHIQIANG"),
    ("晓东", "XIAODONG"), ("海燕", "HAIYAN"), ("子轩", "ZIXUAN"), ("雨涵", "YUHAN"),
    ("浩然", "HAORAN"), ("欣怡", "XINYI"), ("嘉豪", "JIAHAO"), ("梓涵", "ZIHAN"),
];

pub(crate) const LATIN_SURNAMES: &[&str] = &[
    "SMITH", "JOHNSON", "BROWN", "TAYLOR", "WILSON", "MÜLLER", "SCHMIDT", "DUBOIS",
    "MARTIN", "BERNARD", "ROSSI", "GARCÍA", "FERNÁNDEZ", "SILVA", "SANTOS", "DE JONG",
    "VAN DER BERG", "NGUYEN", "TANAKA", "SATO", "KIM", "PARK", "SINGH", "PATEL",
    "O'BRIEN", "MCDONALD", "ANDERSSON", "NIELSEN", "KOWALSKI", "NOVÁK", "DESMARAIS",
    "TREMBLAY", "WONG", "CHAN", "LEUNG", "CHEUNG", "LAU", "NG",
];

pub(crate) const LATIN_GIVEN: &[&str] = &[
    "JAMES", "MARY", "JOHN", "EMMA", "LUC", "SOPHIE", "HANS", "ANNA", "MARCO", "GIULIA",
    "JOSÉ", "LUCÍA", "JOÃO", "ANA", "PIETER", "SANNE", "HIROSHI", "YUKI", "MIN-JUN",
    "SEO-YEON", "ARJUN", "PRIYA", "SEAN", "CHLOE", "ERIK", "INGRID", "PIOTR", "TEREZA",
    "MATTHEW", "GRACE", "KA WAI", "WING YAN", "CHI MING",
];

pub(crate) const OCCUPATIONS: &[(&str, u8)] = &[
    ("executive", 15),
    ("senior_official", 14),
    ("business_owner", 13),
    ("physician", 11),
    ("lawyer", 11),
    ("engineer", 9),
    ("manager", 9),
    ("academic", 8),
    ("civil_servant", 7),
    ("sales", 6),
    ("teacher", 6),
    ("student", 3),
    ("retired", 4),
    ("other", 4),
];

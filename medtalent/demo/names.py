"""Name material for the demo: zh-CN surnames and given names with their Hanyu Pinyin.

The pinyin is written out by hand for every character used here, so the demo needs no pinyin
library. Readings follow how the characters are read in personal names (乐 in 乐天 is "le",
曾 as a surname is "zeng"); characters whose name reading is ambiguous are left out. The surname
吕 is spelt "Lyu", as on passports.
"""

import random

# Common surnames, roughly from most to least frequent, with their readings.
SURNAMES: tuple[tuple[str, str], ...] = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"),
    ("杨", "yang"), ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"),
    ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"), ("胡", "hu"),
    ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("罗", "luo"),
    ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"),
    ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"),
    ("彭", "peng"), ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"),
    ("袁", "yuan"), ("潘", "pan"), ("于", "yu"), ("蒋", "jiang"), ("蔡", "cai"),
    ("余", "yu"), ("杜", "du"), ("叶", "ye"), ("程", "cheng"), ("苏", "su"),
    ("魏", "wei"), ("吕", "lyu"), ("丁", "ding"), ("任", "ren"), ("沈", "shen"),
    ("姚", "yao"), ("卢", "lu"), ("姜", "jiang"), ("崔", "cui"), ("钟", "zhong"),
    ("谭", "tan"), ("陆", "lu"), ("汪", "wang"), ("范", "fan"), ("金", "jin"),
    ("石", "shi"), ("廖", "liao"), ("贾", "jia"), ("夏", "xia"), ("韦", "wei"),
    ("付", "fu"), ("方", "fang"), ("白", "bai"), ("邹", "zou"), ("孟", "meng"),
    ("熊", "xiong"), ("秦", "qin"), ("邱", "qiu"), ("江", "jiang"), ("尹", "yin"),
    ("薛", "xue"), ("闫", "yan"), ("段", "duan"), ("雷", "lei"), ("侯", "hou"),
    ("龙", "long"), ("史", "shi"), ("陶", "tao"), ("黎", "li"), ("贺", "he"),
    ("顾", "gu"), ("毛", "mao"), ("郝", "hao"), ("龚", "gong"), ("邵", "shao"),
    ("万", "wan"), ("钱", "qian"), ("严", "yan"), ("覃", "qin"), ("武", "wu"),
    ("戴", "dai"), ("莫", "mo"), ("孔", "kong"), ("向", "xiang"), ("汤", "tang"),
)  # fmt: skip

# Given names in the fashion of the faculty's generation (born 1965-1992) and the trainees' (1990s-2010s).
FACULTY_GIVEN_NAMES: dict[str, tuple[str, ...]] = {
    "male": (
        "建国", "建华", "建军", "国强", "国华", "志强", "志刚", "志明", "伟", "磊", "军", "勇", "涛",
        "斌", "强", "波", "辉", "刚", "健", "明", "超", "鹏", "亮", "峰", "文博", "海涛", "晓东",
        "立新", "卫东", "永刚", "振华", "宏伟", "俊杰", "浩", "凯", "毅", "剑", "晓峰", "学文",
        "德明", "庆丰", "海波", "东升", "云飞", "正阳", "继东", "少华", "新民", "仁杰", "志远",
        "家明", "世杰", "春雷", "晓军", "立军", "雪峰", "文斌", "永明", "俊", "冬",
    ),
    "female": (
        "丽", "静", "敏", "燕", "艳", "娟", "霞", "芳", "玲", "红", "丽华", "秀英", "晓燕", "雪梅",
        "海燕", "丽娟", "慧", "琳", "婷", "颖", "倩", "洁", "晶", "莉", "蕾", "红梅", "春燕",
        "晓红", "美玲", "秀兰", "玉梅", "桂芳", "凤英", "丽萍", "文静", "晓静", "亚男", "佳",
        "瑾", "雯", "琦", "璐", "晓梅", "淑贞", "慧敏", "志红", "冬梅", "爱华", "素琴", "月华",
    ),
}  # fmt: skip

TRAINEE_GIVEN_NAMES: dict[str, tuple[str, ...]] = {
    "male": (
        "子轩", "浩然", "宇轩", "梓豪", "一鸣", "思远", "博文", "天佑", "泽宇", "皓轩", "子豪",
        "嘉豪", "明轩", "浩宇", "宇航", "晨阳", "逸飞", "睿", "哲", "杰", "航", "帆", "昊天",
        "梓睿", "宇辰", "奕辰", "铭", "子墨", "俊熙", "煜", "嘉懿", "锦程", "彦博", "文韬",
        "思源", "立诚", "修远", "若愚", "承志", "子健", "嘉树", "乐天", "明哲", "启航", "致远",
        "书恒", "亦凡", "泽楷", "天翊", "宇", "凯文", "晟", "骁", "子安", "一帆", "博远",
    ),
    "female": (
        "欣怡", "梓涵", "诗涵", "雨涵", "思琪", "佳怡", "一诺", "语嫣", "可馨", "梦瑶", "雨桐",
        "子萱", "欣然", "婉婷", "静怡", "佳琪", "雅婷", "晓雯", "若曦", "心怡", "梦琪", "思雨",
        "子琪", "雨欣", "嘉怡", "诗琪", "晨曦", "语桐", "书瑶", "安琪", "悦", "彤", "琳", "妍",
        "璇", "菲", "瑶", "钰", "婧", "馨予", "婉清", "沐晴", "清妍", "一然", "芷若", "依依",
        "思彤", "欣妍", "佳慧", "晓萌", "嘉欣", "紫薇", "雨萱", "婉儿", "梦洁", "诗雨",
    ),
}  # fmt: skip

# The reading of every character in a given name above.
GIVEN_NAME_PINYIN: dict[str, str] = {
    "爱": "ai", "安": "an", "博": "bo", "斌": "bin", "波": "bo", "超": "chao",
    "晨": "chen", "辰": "chen", "承": "cheng", "程": "cheng", "诚": "cheng", "春": "chun",
    "德": "de", "东": "dong", "冬": "dong", "儿": "er", "帆": "fan", "凡": "fan", "芳": "fang",
    "飞": "fei", "菲": "fei", "峰": "feng", "丰": "feng", "凤": "feng", "刚": "gang", "国": "guo",
    "桂": "gui", "海": "hai", "涵": "han", "航": "hang", "浩": "hao", "豪": "hao", "皓": "hao",
    "昊": "hao", "恒": "heng", "红": "hong", "宏": "hong", "华": "hua", "辉": "hui", "慧": "hui",
    "佳": "jia", "家": "jia", "嘉": "jia", "健": "jian", "建": "jian", "剑": "jian", "杰": "jie",
    "洁": "jie", "锦": "jin", "瑾": "jin", "静": "jing", "晶": "jing", "婧": "jing", "娟": "juan",
    "军": "jun", "俊": "jun", "凯": "kai", "楷": "kai", "可": "ke", "兰": "lan", "蕾": "lei",
    "磊": "lei", "雷": "lei", "乐": "le", "丽": "li", "立": "li", "莉": "li", "亮": "liang",
    "琳": "lin", "玲": "ling", "璐": "lu", "梅": "mei", "美": "mei", "萌": "meng", "梦": "meng",
    "民": "min", "敏": "min", "明": "ming", "铭": "ming", "鸣": "ming", "墨": "mo", "沐": "mu",
    "男": "nan", "诺": "nuo", "鹏": "peng", "萍": "ping", "琦": "qi", "琪": "qi", "启": "qi",
    "倩": "qian", "强": "qiang", "晴": "qing", "清": "qing", "庆": "qing", "琴": "qin",
    "然": "ran", "仁": "ren", "睿": "rui", "若": "ruo", "少": "shao", "晟": "sheng", "升": "sheng",
    "诗": "shi", "世": "shi", "书": "shu", "树": "shu", "淑": "shu", "思": "si", "素": "su",
    "涛": "tao", "韬": "tao", "天": "tian", "婷": "ting", "桐": "tong", "彤": "tong", "婉": "wan",
    "伟": "wei", "卫": "wei", "薇": "wei", "文": "wen", "雯": "wen", "曦": "xi", "熙": "xi",
    "霞": "xia", "晓": "xiao", "骁": "xiao", "心": "xin", "欣": "xin", "新": "xin", "馨": "xin",
    "秀": "xiu", "修": "xiu", "轩": "xuan", "萱": "xuan", "璇": "xuan", "学": "xue", "雪": "xue",
    "亚": "ya", "雅": "ya", "燕": "yan", "艳": "yan", "彦": "yan", "妍": "yan", "嫣": "yan",
    "阳": "yang", "瑶": "yao", "一": "yi", "依": "yi", "怡": "yi", "逸": "yi", "奕": "yi",
    "亦": "yi", "毅": "yi", "懿": "yi", "翊": "yi", "英": "ying", "颖": "ying", "勇": "yong",
    "永": "yong", "佑": "you", "宇": "yu", "雨": "yu", "语": "yu", "玉": "yu", "煜": "yu",
    "钰": "yu", "予": "yu", "愚": "yu", "远": "yuan", "源": "yuan", "月": "yue", "悦": "yue",
    "云": "yun", "泽": "ze", "哲": "zhe", "贞": "zhen", "振": "zhen", "正": "zheng",
    "志": "zhi", "致": "zhi", "芷": "zhi", "子": "zi", "梓": "zi", "紫": "zi", "继": "ji",
}  # fmt: skip

SURNAME_PINYIN: dict[str, str] = dict(SURNAMES)

# Rough frequency weights: the first surnames are far more common than the last.
_SURNAME_WEIGHTS = tuple(1.0 / (rank + 4) for rank in range(len(SURNAMES)))


def latin_given_name(given_zh: str) -> str:
    """``建国`` -> ``Jianguo``; an a/o/e syllable after another gets an apostrophe: ``子安`` -> ``Zi'an``."""
    syllables = [GIVEN_NAME_PINYIN[character] for character in given_zh]
    joined = syllables[0]
    for syllable in syllables[1:]:
        joined += ("'" if syllable[0] in "aoe" else "") + syllable
    return joined.capitalize()


def latin_name(surname_zh: str, given_zh: str) -> str:
    """Surname first, given name as one word, as names are written in pinyin: ``Wang Jianguo``."""
    return f"{SURNAME_PINYIN[surname_zh].capitalize()} {latin_given_name(given_zh)}"


def email_local_part(surname_zh: str, given_zh: str) -> str:
    """``wang.jianguo``: lower case, no apostrophe."""
    return f"{SURNAME_PINYIN[surname_zh]}.{latin_given_name(given_zh).lower().replace(chr(39), '')}"


def random_name(rng: random.Random, gender: str, *, generation: str) -> tuple[str, str]:
    """A (surname, given name) pair in zh-CN for ``gender`` ("male"/"female") and ``generation``."""
    given_names = FACULTY_GIVEN_NAMES if generation == "faculty" else TRAINEE_GIVEN_NAMES
    surname = rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0][0]
    return surname, rng.choice(given_names[gender])

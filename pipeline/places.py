"""Places as documents name them: the same port in English or Chinese, with or without
"Port of", its country or its state ("Ningbo", "宁波港", "NINGBO, CHINA", "Port of Long
Beach, CA" and "长滩" are the ports of Ningbo and Long Beach)."""

from __future__ import annotations

import re

__all__ = ["PORTS", "place_key", "same_place"]

# the ports of loading in China and the destinations Chinese exporters ship to most, with
# the names Chinese documents give them
PORTS: dict[str, tuple[str, ...]] = {
    "ningbo": ("宁波", "宁波港", "宁波舟山", "北仑"), "shanghai": ("上海", "上海港", "洋山"),
    "shenzhen": ("深圳", "深圳港"), "yantian": ("盐田", "盐田港"), "shekou": ("蛇口",),
    "qingdao": ("青岛", "青岛港"), "xiamen": ("厦门", "厦门港"),
    "tianjin": ("天津", "天津港", "新港"),
    "guangzhou": ("广州", "广州港", "南沙"), "dalian": ("大连", "大连港"), "fuzhou": ("福州",),
    "lianyungang": ("连云港",), "zhuhai": ("珠海",), "hongkong": ("香港",),
    "long beach": ("长滩",), "los angeles": ("洛杉矶",), "oakland": ("奥克兰港",),
    "seattle": ("西雅图",), "new york": ("纽约",), "savannah": ("萨凡纳",),
    "houston": ("休斯顿",), "vancouver": ("温哥华",), "toronto": ("多伦多",),
    "hamburg": ("汉堡",), "bremerhaven": ("不来梅港", "不来梅"), "rotterdam": ("鹿特丹",),
    "antwerp": ("安特卫普",), "felixstowe": ("费利克斯托",), "southampton": ("南安普顿",),
    "le havre": ("勒阿弗尔",), "gothenburg": ("哥德堡",), "valencia": ("瓦伦西亚",),
    "barcelona": ("巴塞罗那",), "genoa": ("热那亚",), "piraeus": ("比雷埃夫斯",),
    "gdansk": ("格但斯克",), "sydney": ("悉尼",), "melbourne": ("墨尔本",),
    "auckland": ("奥克兰",), "busan": ("釜山",), "tokyo": ("东京",), "yokohama": ("横滨",),
    "singapore": ("新加坡",), "port klang": ("巴生", "巴生港"), "laem chabang": ("林查班",),
    "ho chi minh": ("胡志明",), "jakarta": ("雅加达",), "manila": ("马尼拉",),
    "nhava sheva": ("那瓦舍瓦",), "mumbai": ("孟买",), "karachi": ("卡拉奇",),
    "jebel ali": ("杰贝阿里",), "dubai": ("迪拜",), "durban": ("德班",),
    "mombasa": ("蒙巴萨",), "lagos": ("拉各斯",), "santos": ("桑托斯",),
    "san antonio": ("圣安东尼奥",), "callao": ("卡亚俄",), "manzanillo": ("曼萨尼约",),
    "veracruz": ("韦拉克鲁斯",), "buenos aires": ("布宜诺斯艾利斯",), "istanbul": ("伊斯坦布尔",),
}
_BY_CHINESE = sorted(((zh, en) for en, names in PORTS.items() for zh in names),
                     key=lambda pair: -len(pair[0]))
_NOISE = re.compile(r"\b(port|of|the|city|harbou?r|terminal|any|main|incoterms|20[12]0)\b")


def place_key(text: str) -> str:
    """The place a text names, as one lowercase English word run ('' when none): the part
    before a comma or bracket, Chinese names in English, without 'port of'."""
    head = re.split(r"[,(（，]", text.strip())[0]
    for zh, en in _BY_CHINESE:
        if zh in head:
            return en.replace(" ", "")
    words = _NOISE.sub(" ", head.casefold())
    return re.sub(r"[\W_]+", "", words)


def same_place(found: str, expected: str) -> bool:
    """Whether two texts name the same place ('Port of Ningbo' and '宁波' do)."""
    a, b = place_key(found), place_key(expected)
    return bool(a and b) and (a in b or b in a)

"""Countries and nationalities, for questions that ask "which country / nationality".

Such a question is answered only by evidence that names one; otherwise the
report does not say (it rarely breaks figures down by nationality).
"""

from __future__ import annotations

import re

_COUNTRIES_EN = (
    "Afghanistan Argentina Australia Austria Bangladesh Belgium Belize Bolivia Brazil Brunei Cambodia Canada "
    "Chile China Colombia Czech Denmark Ecuador Egypt Eswatini Finland France Germany Greece Guatemala Haiti "
    "Honduras Hong Kong Hungary India Indonesia Iran Iraq Ireland Israel Italy Japan Jordan Kenya Korea Laos "
    "Lithuania Macao Macau Malaysia Maldives Marshall Mexico Mongolia Myanmar Nauru Nepal Netherlands "
    "New Zealand Nicaragua Nigeria Norway Pakistan Palau Panama Paraguay Peru Philippines Poland Portugal Russia "
    "Saudi Singapore Slovakia South Africa Spain Sri Lanka Sweden Switzerland Thailand Tuvalu Turkey "
    "Ukraine United Kingdom U.K. UK United States U.S. USA Vietnam Viet Nam"
).split(" ")
_DEMONYMS_EN = (
    "American Australian Bangladeshi British Burmese Cambodian Canadian Chinese Dutch Filipino Filipina "
    "French German Indian Indonesian Italian Japanese Korean Malaysian Mongolian Myanmar Nepalese Pakistani "
    "Philippine Russian Singaporean Spanish Thai Vietnamese"
).split()
_COUNTRIES_ZH = (
    "阿富汗 阿根廷 澳洲 奧地利 孟加拉 比利時 貝里斯 玻利維亞 巴西 汶萊 柬埔寨 加拿大 智利 中國 大陸 哥倫比亞 捷克 丹麥 "
    "厄瓜多 埃及 史瓦帝尼 芬蘭 法國 德國 希臘 瓜地馬拉 海地 宏都拉斯 香港 匈牙利 印度 印尼 伊朗 伊拉克 愛爾蘭 以色列 "
    "義大利 日本 約旦 肯亞 韓國 南韓 寮國 立陶宛 澳門 馬來西亞 馬爾地夫 馬紹爾 墨西哥 蒙古 緬甸 諾魯 尼泊爾 荷蘭 紐西蘭 "
    "尼加拉瓜 奈及利亞 挪威 巴基斯坦 帛琉 巴拿馬 巴拉圭 秘魯 菲律賓 波蘭 葡萄牙 俄羅斯 沙烏地 新加坡 斯洛伐克 南非 "
    "西班牙 斯里蘭卡 瑞典 瑞士 泰國 吐瓦魯 土耳其 烏克蘭 英國 美國 越南 越籍 印尼籍 菲籍 泰籍 陸籍"
).split()

# The report writes the mainland as 大陸（地區）where a question may say 中國: names of one place, so
# a question's word for it is not required verbatim in the evidence.
MAINLAND_NAMES = frozenset({"中國", "大陸", "陸籍"})

_EN = re.compile(
    r"\b(?:"
    + "|".join(re.escape(c) for c in sorted(set(_COUNTRIES_EN + _DEMONYMS_EN), key=len, reverse=True))
    + r")\b"
)
_ZH = re.compile("|".join(sorted(set(_COUNTRIES_ZH), key=len, reverse=True)))
ASKS_COUNTRY = re.compile(
    r"\bnationalit(?:y|ies)\b|\bwhich countr(?:y|ies)\b|\bwhat countr(?:y|ies)\b|國籍|哪國|哪個國家|哪些國家|哪一國",
    re.I,
)


def countries_in(text: str) -> set[str]:
    """Country or nationality names in ``text`` (English or Chinese)."""
    return set(_EN.findall(text)) | set(_ZH.findall(text))

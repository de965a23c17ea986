"""Which ECharts map a level's page draws: the provinces for the national committee
(vendor/echarts-china.js, map "china"), a province's prefecture-level cities for a province
(vendor/echarts-provinces/<name>.js, map named by the province's short name, features named
as GB/T 2260 divisions: 石家庄市). Municipalities (北京, 天津, 上海, 重庆), 香港, 澳门 and
台湾 have no city map; a level below a province has none either (the table holds the figures)."""
from __future__ import annotations

# GB/T 2260 province prefix -> (the name the script registers, the file under vendor/echarts-provinces/)
PROVINCE_MAPS = {
    "13": ("河北", "hebei"), "14": ("山西", "shanxi"), "15": ("内蒙古", "neimenggu"), "21": ("辽宁", "liaoning"),
    "22": ("吉林", "jilin"), "23": ("黑龙江", "heilongjiang"), "32": ("江苏", "jiangsu"), "33": ("浙江", "zhejiang"),
    "34": ("安徽", "anhui"), "35": ("福建", "fujian"), "36": ("江西", "jiangxi"), "37": ("山东", "shandong"),
    "41": ("河南", "henan"), "42": ("湖北", "hubei"), "43": ("湖南", "hunan"), "44": ("广东", "guangdong"),
    "45": ("广西", "guangxi"), "46": ("海南", "hainan"), "51": ("四川", "sichuan"), "52": ("贵州", "guizhou"),
    "53": ("云南", "yunnan"), "54": ("西藏", "xizang"), "61": ("陕西", "shanxi1"), "62": ("甘肃", "gansu"),
    "63": ("青海", "qinghai"), "64": ("宁夏", "ningxia"), "65": ("新疆", "xinjiang"),
}


def map_for(depth: int, division_code: str | None) -> tuple[str, str] | None:
    """(map name, static path of its script) for a level, or None when there is no map."""
    if depth == 1:
        return "china", "vendor/echarts-china.js"
    code = division_code or ""
    if len(code) == 6 and code.endswith("0000") and code[:2] in PROVINCE_MAPS:
        name, file = PROVINCE_MAPS[code[:2]]
        return name, f"vendor/echarts-provinces/{file}.js"
    return None

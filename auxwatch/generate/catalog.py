"""Reference values the generator draws from: bureaus, posts, names, regions, rates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BureauDef:
    code: str  # 12-digit public security organ code
    short: str  # how file names call it, e.g. 西湖区
    name: str
    level: str  # city | district | county
    parent: str | None
    weight: float  # relative number of auxiliaries


CITY_CODE = "330100000000"


def _b(
    region: str, short: str, name: str, level: str, weight: float, parent: str | None = CITY_CODE
) -> BureauDef:
    return BureauDef(region + "000000", short, name, level, parent, weight)


CITY = _b("330100", "市局", "杭州市公安局", "city", 9.0, parent=None)

HANGZHOU = (
    _b("330102", "上城区", "杭州市公安局上城区分局", "district", 10.0),
    _b("330105", "拱墅区", "杭州市公安局拱墅区分局", "district", 10.0),
    _b("330106", "西湖区", "杭州市公安局西湖区分局", "district", 9.0),
    _b("330108", "滨江区", "杭州市公安局滨江区分局", "district", 6.0),
    _b("330109", "萧山区", "杭州市公安局萧山区分局", "district", 12.0),
    _b("330110", "余杭区", "杭州市公安局余杭区分局", "district", 10.0),
    _b("330113", "临平区", "杭州市公安局临平区分局", "district", 6.0),
    _b("330114", "钱塘区", "杭州市公安局钱塘区分局", "district", 6.0),
    _b("330111", "富阳区", "杭州市公安局富阳区分局", "district", 6.0),
    _b("330112", "临安区", "杭州市公安局临安区分局", "district", 5.0),
    _b("330122", "桐庐县", "桐庐县公安局", "county", 4.0),
    _b("330127", "淳安县", "淳安县公安局", "county", 4.0),
    _b("330182", "建德市", "建德市公安局", "county", 4.0),
)

SMALL_SHORTS = ("上城区", "西湖区", "滨江区", "萧山区", "富阳区", "淳安县")

# Province scale: the other cities of Zhejiang and their districts and counties, hung under
# the Hangzhou city bureau so that the tree keeps a single root.
_OTHER_CITIES: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "330200",
        "宁波市",
        (
            ("330203", "海曙区"),
            ("330205", "江北区"),
            ("330206", "北仑区"),
            ("330211", "镇海区"),
            ("330212", "鄞州区"),
            ("330213", "奉化区"),
            ("330225", "象山县"),
            ("330226", "宁海县"),
            ("330281", "余姚市"),
            ("330282", "慈溪市"),
        ),
    ),
    (
        "330300",
        "温州市",
        (
            ("330302", "鹿城区"),
            ("330303", "龙湾区"),
            ("330304", "瓯海区"),
            ("330305", "洞头区"),
            ("330324", "永嘉县"),
            ("330326", "平阳县"),
            ("330327", "苍南县"),
            ("330328", "文成县"),
            ("330329", "泰顺县"),
            ("330381", "瑞安市"),
            ("330382", "乐清市"),
        ),
    ),
    (
        "330400",
        "嘉兴市",
        (
            ("330402", "南湖区"),
            ("330411", "秀洲区"),
            ("330421", "嘉善县"),
            ("330424", "海盐县"),
            ("330481", "海宁市"),
            ("330482", "平湖市"),
            ("330483", "桐乡市"),
        ),
    ),
    (
        "330500",
        "湖州市",
        (
            ("330502", "吴兴区"),
            ("330503", "南浔区"),
            ("330521", "德清县"),
            ("330522", "长兴县"),
            ("330523", "安吉县"),
        ),
    ),
    (
        "330600",
        "绍兴市",
        (
            ("330602", "越城区"),
            ("330603", "柯桥区"),
            ("330604", "上虞区"),
            ("330624", "新昌县"),
            ("330681", "诸暨市"),
            ("330683", "嵊州市"),
        ),
    ),
    (
        "330700",
        "金华市",
        (
            ("330702", "婺城区"),
            ("330703", "金东区"),
            ("330723", "武义县"),
            ("330726", "浦江县"),
            ("330727", "磐安县"),
            ("330781", "兰溪市"),
            ("330782", "义乌市"),
            ("330783", "东阳市"),
            ("330784", "永康市"),
        ),
    ),
    (
        "330800",
        "衢州市",
        (
            ("330802", "柯城区"),
            ("330803", "衢江区"),
            ("330822", "常山县"),
            ("330824", "开化县"),
            ("330825", "龙游县"),
            ("330881", "江山市"),
        ),
    ),
    (
        "330900",
        "舟山市",
        (("330902", "定海区"), ("330903", "普陀区"), ("330921", "岱山县"), ("330922", "嵊泗县")),
    ),
    (
        "331000",
        "台州市",
        (
            ("331002", "椒江区"),
            ("331003", "黄岩区"),
            ("331004", "路桥区"),
            ("331022", "三门县"),
            ("331023", "天台县"),
            ("331024", "仙居县"),
            ("331081", "温岭市"),
            ("331082", "临海市"),
            ("331083", "玉环市"),
        ),
    ),
    (
        "331100",
        "丽水市",
        (
            ("331102", "莲都区"),
            ("331121", "青田县"),
            ("331122", "缙云县"),
            ("331123", "遂昌县"),
            ("331124", "松阳县"),
            ("331125", "云和县"),
            ("331126", "庆元县"),
            ("331127", "景宁县"),
            ("331181", "龙泉市"),
        ),
    ),
)


def province_bureaus() -> tuple[BureauDef, ...]:
    out: list[BureauDef] = [CITY, *HANGZHOU]
    for region, city, units in _OTHER_CITIES:
        city_def = _b(region, city, f"{city}公安局", "city", 7.0)
        out.append(city_def)
        for code, short in units:
            district = short.endswith("区")
            out.append(
                _b(
                    code,
                    f"{city[:-1]}{short}",
                    f"{city}公安局{short}分局" if district else f"{short}公安局",
                    "district" if district else "county",
                    5.0 if district else 3.0,
                    parent=city_def.code,
                )
            )
    return tuple(out[:100])


def bureaus_for(scale: str) -> tuple[BureauDef, ...]:
    if scale == "small":
        return (CITY, *(b for b in HANGZHOU if b.short in SMALL_SHORTS))
    if scale == "city":
        return (CITY, *HANGZHOU)
    return province_bureaus()


# Post catalogue codes (inputs.md), with the generator's draw weights per category.
DUTY_POSTS = ("D01", "D02", "D03", "D04", "D05", "D06", "D07")
DUTY_WEIGHTS = (0.12, 0.30, 0.12, 0.10, 0.20, 0.06, 0.10)
CIVILIAN_POSTS = ("C01", "C02", "C03", "C04")
CIVILIAN_WEIGHTS = (0.45, 0.20, 0.15, 0.20)
PROHIBITED_POSTS = ("X01", "X02", "X03", "X04", "X05")
POSTS = DUTY_POSTS + CIVILIAN_POSTS + PROHIBITED_POSTS
POST_KIND = (
    {p: "duty" for p in DUTY_POSTS}
    | {p: "civilian" for p in CIVILIAN_POSTS}
    | {p: "prohibited" for p in PROHIBITED_POSTS}
)
HIGH_RISK = frozenset({"D01", "D03", "D06", "X02", "X03"})
POST_KIND_ARR = np.array([POST_KIND[p] for p in POSTS])
POST_HIGH_RISK_ARR = np.array([p in HIGH_RISK for p in POSTS])
# Monthly post allowance (yuan) by post, part of gross pay.
POST_PAY = (
    np.array(
        [1800 if p in HIGH_RISK else (1300 if POST_KIND[p] != "civilian" else 1000) for p in POSTS],
        dtype=np.int64,
    )
    * 100
)

CATEGORIES = ("duty", "civilian")
GENDERS = ("M", "F")
EDUCATIONS = ("below_college", "college", "bachelor", "master")
SPECIAL_STATUSES = ("veteran", "heroic", "martyr_family", "special_skill")
INSURANCE_TYPES = ("pension", "medical", "unemployment", "work_injury", "maternity", "housing_fund")
# Employer / employee contribution rates in basis points of the contribution base.
EMPLOYER_BP = np.array([1400, 950, 50, 40, 80, 1200], dtype=np.int64)
EMPLOYEE_BP = np.array([800, 200, 50, 0, 0, 1200], dtype=np.int64)

LEAVE_REASONS = ("辞职", "个人原因", "考录公务员", "辞退", "合同期满", "调动")
R_CONTRACT_END = 4
R_TRANSFER = 5

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
    "魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤楼应俞童项鲍章"
)
GIVEN_MALE = (
    "伟强磊军勇杰涛斌超明辉鹏华飞刚俊峰浩宇鑫波亮健林晨阳志坤凯旭东帅博文彬建平海龙成栋宁振一"
    "晓思佳子天嘉豪立新中锋剑威斌"
)
GIVEN_FEMALE = (
    "芳娜敏静丽艳娟霞燕婷雪琳倩颖玲洁佳慧欣怡萍琪晶丹璐莉梅婧思雨晓露瑶蕾媛梦楠茜月嘉一文颖"
)

# Household-registration regions for ID numbers: mostly Zhejiang, some neighbouring provinces.
ID_REGIONS_LOCAL = (
    "330102",
    "330105",
    "330106",
    "330108",
    "330109",
    "330110",
    "330111",
    "330112",
    "330122",
    "330127",
    "330182",
    "330203",
    "330212",
    "330302",
    "330381",
    "330402",
    "330481",
    "330502",
    "330602",
    "330681",
    "330702",
    "330782",
    "330802",
    "330902",
    "331002",
    "331082",
    "331102",
)
ID_REGIONS_OTHER = (
    "340102",
    "341202",
    "341221",
    "360102",
    "362321",
    "410102",
    "411302",
    "430102",
    "510104",
    "522101",
    "320102",
    "350102",
    "420102",
    "370102",
)

COMPLAINT_CHANNELS = ("12345", "信访", "来电", "网上", "来访")
COMPLAINT_CATEGORIES = ("执法态度", "不作为", "违规收费", "着装仪容", "言行不当", "其他")

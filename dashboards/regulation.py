"""Text of the articles the rules enforce (杭州市公安机关警务辅助人员管理规定).

The Findings page shows an article's text beside each finding. Articles 1-18 are quoted
from the published text; 21, 22 and 27 from the consolidated text (punctuation as given).
"""

from __future__ import annotations

import re

TITLE = "杭州市公安机关警务辅助人员管理规定"
TITLE_EN = "Hangzhou Regulations on the Management of Police Auxiliary Staff"

_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

ARTICLES: dict[str, str] = {
    "第三条": (
        "本规定所称公安机关警务辅助人员（以下简称警务辅助人员），是指根据社会治安形势发展"
        "和公安工作实际需要，由公安机关依照本规定公开招聘，为公安机关警务活动和日常运转提"
        "供辅助支持的非人民警察身份人员。警务辅助人员分为勤务辅警和文职辅警。\n治安联防、"
        "平安志愿者、护村队、护校队等社会群防群治力量以及在公安机关从事膳食、保洁等后勤服"
        "务工作的人员，不属于警务辅助人员。\n警务辅助人员应当在公安机关人民警察的指挥和监"
        "督下从事警务辅助工作，不得单独执法或者以个人名义执法。"
    ),
    "第四条": (
        "市和区、县（市）公安机关在同级人民政府的领导下，负责警务辅助人员的招聘、管理和监"
        "督等工作。\n公安机关对警务辅助人员的管理遵循“谁使用、谁管理、谁负责”的原则。上"
        "级公安机关指导、监督下级公安机关警务辅助人员管理工作。\n机构编制、财政、人力资源"
        "和社会保障、退役军人事务等部门在各自职责范围内做好警务辅助人员管理和保障等相关工"
        "作。"
    ),
    "第五条": (
        "勤务辅警可以按照国家有关规定，从事下列公安机关执法岗位的相关辅助工作：\n（一）协"
        "助预防、制止违法犯罪活动;\n（二）协助开展治安巡逻、治安检查，对人员聚集场所进行"
        "安全检查，开展实有人口管理等社区警务工作；\n（三）协助盘查、堵控、监控、看管违法"
        "犯罪嫌疑人;\n（四）协助维护案（事）件现场秩序,保护案（事）件现场，救助受伤人员"
        "；\n（五）协助疏导道路交通，劝阻、纠正道路交通安全违法行为，采集道路交通违法信息"
        ";\n（六）协助开展公安监管场所管理勤务;\n（七）其他可以由勤务辅警协助从事的工作"
        "。"
    ),
    "第六条": (
        "文职辅警可以按照国家有关规定，从事下列公安机关非执法岗位的相关辅助工作：\n（一）"
        "协助开展文书助理、档案管理、接线查询、窗口服务、证件办理、信息采集与录入等行政管"
        "理工作；\n（二）协助开展心理咨询、医疗、翻译、计算机网络维护、数据分析、软件研发"
        "、安全监测、通信保障、资金分析、非涉密财务管理、实验室分析等技术支持工作；\n（三"
        "）协助开展警用装备保管和维护保养等警务保障工作；\n（四）其他可以由文职辅警协助从"
        "事的工作。"
    ),
    "第七条": (
        "公安机关及其人民警察不得安排警务辅助人员从事下列工作：\n（一）办理涉及国家秘密的"
        "事项，从事国内安全保卫、技术侦察等工作；\n（二）执行刑事强制措施；\n（三）保管武"
        "器、警械；\n（四）开展案件调查取证，作出行政处理决定，出具鉴定报告，从事交通事故"
        "责任认定；\n（五）国家规定禁止警务辅助人员从事的其他工作。"
    ),
    "第八条": (
        "警务辅助人员用人额度应当与经济社会发展水平、社会治安状况和警力配备情况相适应，并"
        "且按照有关规定实行动态调整。\n警务辅助人员用人额度由市和区、县（市）公安机关组织"
        "编制，经同级机构编制、财政等部门审核后，报同级人民政府批准。"
    ),
    "第九条": (
        "市和区、县（市）公安机关在同级人力资源和社会保障部门的指导下统一组织警务辅助人员"
        "招聘工作。警务辅助人员招聘应当遵循公开、平等、竞争、择优的原则，统一招聘标准和程"
        "序，严格选拔聘用。\n招聘警务辅助人员应当发布公告，按照自愿报名、资格审查、笔试、"
        "面试、体能测试、体检、考察等程序实施，接受社会监督。\n经招聘录用为警务辅助人员的"
        "，公安机关应当与其签订劳动合同。"
    ),
    "第十条": (
        "警务辅助人员应当具备下列条件：\n（一）具有中华人民共和国国籍；\n（二）拥护中华人"
        "民共和国宪法，拥护中国共产党领导，遵守法律、法规，具有良好的政治素质和道德品行；"
        "\n（三）年满十八周岁；\n（四）具有大学专科以上学历；\n（五）具有履行职责所需要的"
        "身体条件、心理素质和工作能力;\n（六）法律、法规规定的其他条件。\n应聘警务辅助人"
        "员，除具备前款规定的条件外，还应当具备岗位所要求的年龄、专业资质、专门技能等条件"
        "。\n具有岗位所需的特殊技能或者专业特长的人员以及退役军人、见义勇为先进分子应聘警"
        "务辅助人员的，可以适当放宽学历、年龄等条件，但是相关条件应当在招聘公告中予以明确"
        "。"
    ),
    "第十四条": (
        "公安机关应当对警务辅助人员进行岗前培训。\n公安机关应当定期开展法律、保密等业务知"
        "识培训和岗位技能培训，并且组织考试。考试成绩按照规定纳入年度考核。"
    ),
    "第十五条": (
        "公安机关应当对警务辅助人员的政治思想、纪律作风、工作绩效、教育培训等情况进行年度"
        "考核。考核结果作为层级晋升、续订劳动合同的依据。\n市和区、县（市）人民政府可以按"
        "照国家、省和市有关规定，在事业单位公开招聘中，每年安排一定数量岗位招聘优秀警务辅"
        "助人员。\n公安机关面向优秀警务辅助人员招录人民警察的，按照国家、省和市有关规定执"
        "行。"
    ),
    "第十七条": (
        "公安机关应当按照规定为警务辅助人员配发统一的、区别于人民警察的工作证件、服装和标"
        "识。\n警务辅助人员履行职责期间，应当按照规定穿着工作服装，佩戴标识并且携带工作证"
        "件。因工作需要穿着便装的，应当携带工作证件。非履行职责期间，不得穿着工作服装、佩"
        "戴标识。\n根据工作岗位需要，警务辅助人员可以配备必要的执勤和安全防护装备，但是不"
        "得配备和使用武器、警械。\n警务辅助人员离职时，应当交回配发的工作证件、服装、标识"
        "和装备。"
    ),
    "第十八条": ("警务辅助人员履行职责应当接受社会监督。"),
    "第二十一条": (
        "警务辅助人员薪酬和服装装备、教育培训等经费纳入同级财政预算予以保障具体标准由市和"
        "区、县市公安机关会同同级财政、人力资源和社会保障部门确定。市和区、县市公安机关会"
        "同同级人力资源和社会保障、财政部门建立符合警务辅助人员特点、体现岗位绩效和分级分"
        "类管理的薪酬制度。警务辅助人员的薪酬标准应当按照有关规定根据经济社会发展情况、财"
        "政状况等实行动态调整。"
    ),
    "第二十二条": (
        "公安机关应当为警务辅助人员依法办理基本养老、基本医疗、工伤、失业、生育等社会保险"
        "并且缴存住房公积金。公安机关应当为警务辅助人员办理公共交通意外伤害保险对从事危险"
        "程度较高岗位的还应当为其办理人身意外伤害保险。公安机关应当定期组织警务辅助人员参"
        "加健康检查建立警务辅助人员健康档案。"
    ),
    "第二十七条": ("本规定自 2021 年 1 月 1 日起施行"),
}


def split_articles(label: str) -> list[str]:
    """'第三、九条' -> ['第三条', '第九条']; '第二十一条' -> ['第二十一条']."""
    m = re.fullmatch(r"第(.+)条", label.strip())
    if not m:
        return [label]
    return [f"第{part}条" for part in m.group(1).split("、") if part]


def article_text(label: str) -> str:
    """The text of every article a finding's label names, each on its own paragraph."""
    parts = []
    for art in split_articles(label):
        text = ARTICLES.get(art)
        if text:
            parts.append(f"{art}　{text}")
    return "\n\n".join(parts)


def _numeral(text: str) -> int | None:
    """A Chinese numeral below 100: 七 -> 7, 十四 -> 14, 二十二 -> 22."""
    if not text or any(ch not in _DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _DIGITS.get(text) if len(text) == 1 else None
    tens, _, units = text.partition("十")
    if (tens and tens not in _DIGITS) or (units and units not in _DIGITS):
        return None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0)


def article_numbers(label: str) -> list[int]:
    """'第三、九条' -> [3, 9]; an unreadable part is left out."""
    m = re.fullmatch(r"第(.+)条", label.strip())
    if not m:
        return []
    return [n for n in (_numeral(part) for part in m.group(1).split("、")) if n is not None]


def article_sort_key(label: str) -> tuple[int, str]:
    """The regulation's order (第三条 before 第七条 before 第十四条); unknown labels last."""
    numbers = article_numbers(label)
    return (numbers[0] if numbers else 10_000, label)


def article_label(label: str, lang: str) -> str:
    """'第三、九条' in English: 'Articles 3, 9'; Chinese unchanged."""
    if lang == "zh":
        return label
    numbers = article_numbers(label)
    if not numbers:
        return label
    word = "Article" if len(numbers) == 1 else "Articles"
    return f"{word} {', '.join(str(n) for n in numbers)}"


def title(lang: str) -> str:
    return f"《{TITLE}》" if lang == "zh" else f"{TITLE_EN} ({TITLE})"

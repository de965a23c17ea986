"""The facts of the 2020 week, as the national notice and the Hebei plan state them.

Kept apart from the loader so the numbers and names the demo must reproduce are easy to
check against ../shared/seeds/. Organization names are public institutions; no person appears.
"""
from datetime import date

YEAR = 2020
CAMPAIGN = {
    "year": 2020,
    "name": "2020年全国科技活动周",
    "theme": "科技战疫 创新强国",
    "starts_on": date(2020, 8, 23),
    "ends_on": date(2020, 8, 29),
    "notice_title": "科技部 中央宣传部 卫生健康委 中国科协关于举办2020年全国科技活动周的通知",
    "notice_number": "国科发智〔2020〕167号",
    "notice_date": date(2020, 6, 18),
    "news_within_days": 3,
    "summary_video_max_seconds": 180,
}
NATIONAL_CONTENT_AREAS = ["展示科技战疫成效", "展示科技创新成就", "体验美好生活", "科技助力脱贫攻坚"]
MAIN_VENUE_EVENTS = [
    ("启动式", date(2020, 8, 23), "北京中关村国家自主创新示范区展示中心（湖北武汉设分会场）", "科技部、北京市人民政府；分会场：科技部、湖北省人民政府"),
    ("主场展览活动", date(2020, 8, 23), "北京", "科技部、卫生健康委、北京市人民政府"),
    ("闭幕式", date(2020, 8, 29), "湖北省武汉市", "科技部、中央宣传部、卫生健康委、中国科协、湖北省人民政府"),
]
FLAGSHIPS = [
    "科学之夜活动", "科研机构和大学开放", "科技列车怀化行", "全国科普讲解大赛", "全国科普微视频大赛",
    "全国科学实验展演汇演", "全国优秀科普作品推荐", "科普援藏活动", "全国优秀科普展品巡展", "科技下乡集中示范活动",
    "“全国中小学生创·造大赛”", "“未来工程师”博览", "“一带一路”科普交流周", "“科学之路·科普课堂”",
]

NATIONAL_COMMITTEE = "全国科技活动周组委会"
# (name, short name, kind, committee role)
NATIONAL_CO_HOSTS = [
    ("中华人民共和国科学技术部", "科技部", "department", "lead"),
    ("中共中央宣传部", "中央宣传部", "department", "co_host"),
    ("国家卫生健康委员会", "卫生健康委", "department", "co_host"),
    ("中国科学技术协会", "中国科协", "society", "co_host"),
]
SEPARATELY_PLANNED_CITIES = [("大连市", "210200"), ("青岛市", "370200"), ("宁波市", "330200"), ("厦门市", "350200"), ("深圳市", "440300")]
CORPS = ("新疆生产建设兵团", "650000")
CENTRAL_DEPARTMENTS = [
    ("教育部", "department"), ("工业和信息化部", "department"), ("农业农村部", "department"),
    ("中国科学院", "research_institute"), ("中国气象局", "department"), ("中国地震局", "department"),
    ("中央军委科技委", "military"),
]

HEBEI = "河北省"
HEBEI_THEME = "科学防控 科普行动 科技扶贫 科创惠民"
HEBEI_FOCUS_AREAS = ["科学防控", "科普行动", "科技扶贫", "科创惠民"]
HEBEI_COUNTS = {"total": 629, "by_departments": 110, "by_cities": 474, "open_sessions": 45,
                "research_institutes": 19, "universities": 10}
# Hebei's co-organizing departments: (full name, short name as the plan writes it, kind, committee role)
HEBEI_CO_HOSTS = [
    ("河北省科学技术厅", "省科技厅", "department", "lead"),
    ("中共河北省委宣传部", "省委宣传部", "department", "co_host"),
    ("河北省卫生健康委员会", "省卫生健康委", "department", "co_host"),
    ("河北省科学技术协会", "省科协", "society", "co_host"),
]
# Provincial departments and units the plan names, with the short name it uses and the parent.
HEBEI_UNITS = [
    ("河北省气象局", "省气象局", "department", None),
    ("河北省教育厅", "省教育厅", "department", None),
    ("河北省林业和草原局", "省林草局", "department", None),
    ("河北省地震局", "省地震局", "department", None),
    ("河北省科学院", "省科学院", "research_institute", None),
    ("河北省农林科学院", "省农林科学院", "research_institute", None),
    ("河北省科学技术馆", "河北省科学技术馆", "museum", "省科协"),
    ("河北省农村专业技术协会", "省农村专业技术协会", "society", "省科协"),
    ("中国电子科技集团公司第五十四研究所", "中国电科五十四所", "enterprise", None),
]
# 19 research institutes and 10 universities that open to the public (their parent short name).
HEBEI_RESEARCH_INSTITUTES = [
    ("河北省微生物研究所", "省科学院"), ("河北省科学院应用数学研究所", "省科学院"),
    ("河北省科学院能源研究所", "省科学院"), ("河北省科学院激光研究所", "省科学院"),
    ("河北省科学院地理科学研究所", "省科学院"), ("河北省科学院生物研究所", "省科学院"),
    ("河北省农林科学院粮油作物研究所", "省农林科学院"), ("河北省农林科学院旱作农业研究所", "省农林科学院"),
    ("河北省农林科学院经济作物研究所", "省农林科学院"), ("河北省农林科学院植物保护研究所", "省农林科学院"),
    ("河北省农林科学院谷子研究所", "省农林科学院"), ("河北省农林科学院昌黎果树研究所", "省农林科学院"),
    ("河北省农林科学院滨海农业研究所", "省农林科学院"), ("河北省农林科学院农业信息与经济研究所", "省农林科学院"),
    ("河北省农林科学院遗传生理研究所", "省农林科学院"), ("河北省农林科学院棉花研究所", "省农林科学院"),
    ("河北省农林科学院石家庄果树研究所", "省农林科学院"), ("河北省农林科学院农业资源环境研究所", "省农林科学院"),
    ("河北省农林科学院蔬菜研究所", "省农林科学院"),
]
HEBEI_UNIVERSITIES = [
    ("河北大学", "130600"), ("河北工业大学", "130100"), ("燕山大学", "130300"), ("河北医科大学", "130100"),
    ("河北师范大学", "130100"), ("河北农业大学", "130600"), ("河北科技大学", "130100"), ("华北理工大学", "130200"),
    ("石家庄铁道大学", "130100"), ("河北工程大学", "130400"),
]
# Cities reporting to Hebei: (name, division code). 定州 and 辛集 are run by the province.
HEBEI_CITIES = [
    ("石家庄市", "130100"), ("唐山市", "130200"), ("秦皇岛市", "130300"), ("邯郸市", "130400"),
    ("邢台市", "130500"), ("保定市", "130600"), ("张家口市", "130700"), ("承德市", "130800"),
    ("沧州市", "130900"), ("廊坊市", "131000"), ("衡水市", "131100"), ("定州市", "130682"), ("辛集市", "130181"),
]
# A city's four co-organizing departments: (full-name suffix, short-name suffix, committee role)
CITY_DEPARTMENTS = [("科学技术局", "科技局", "lead"), ("委宣传部", "委宣传部", "co_host"),
                    ("卫生健康委员会", "卫生健康委", "co_host"), ("科学技术协会", "科协", "co_host")]

# 省级重大科普活动 (plan order) — (title, hosts as short names, date, place division code, format)
HEBEI_PROVINCIAL_MAJOR = [
    ("2020年全省科技活动周启动仪式", ["省科技厅", "省委宣传部", "省卫生健康委", "省科协"], date(2020, 8, 23), "130100", "hybrid"),
    ("2020年全省科普讲解大赛", ["省科技厅", "省科协"], date(2020, 8, 24), "130100", "hybrid"),
    ("科学之夜", ["省科技厅", "河北省科学技术馆"], date(2020, 8, 25), "130100", "onsite"),
    ("2020年河北省科学实验展演汇演", ["省科技厅", "省科学院", "河北省微生物研究所"], date(2020, 8, 26), "130600", "hybrid"),
    ("“冀望风云 燕赵科普行”气象防灾减灾科普系列活动", ["省科技厅", "省气象局", "省教育厅"], date(2020, 8, 23), "130100", "online"),
    ("2020年河北省科普微视频大赛暨省科普网信息资源宣传专题科普活动", ["省科技厅", "石家庄市科技信息研究所"], date(2020, 8, 27), "130100", "online"),
    ("举办科学讲堂、建设科普书屋", ["省科协", "省农村专业技术协会"], date(2020, 8, 24), "130100", "hybrid"),
    ("开展地质科普自然体验教育活动", ["省林草局"], date(2020, 8, 25), "130100", "onsite"),
    ("开展科普地震监测线上直播活动", ["省地震局"], date(2020, 8, 26), "130100", "online"),
    ("举办科技创新论坛及科技成果展", ["中国电科五十四所"], date(2020, 8, 28), "130100", "hybrid"),
]
# 各市组织重点科普活动 — (title, city, hosts: "all4" = the city's four co-organizing departments,
# else short-name suffixes of CITY_DEPARTMENTS)
HEBEI_CITY_KEY = [
    ("石家庄市2020年科技活动周启动式及系列科普活动", "石家庄市", "all4"),
    ("保定市2020年科技活动周启动式及校园科技嘉年华科普活动", "保定市", ["科技局"]),
    ("唐山市2020年科技活动周启动仪式暨集中科普宣传专题科普活动", "唐山市", "all4"),
    ("邯郸市2020年科技活动周启动仪式暨多样化生命的演化科普体验活动", "邯郸市", "all4"),
    ("承德市2020年科技扶贫成果展及科普讲解大赛专题科普活动", "承德市", ["科技局"]),
    ("张家口市2020年科技活动周启动式及系列科普活动", "张家口市", ["科技局"]),
    ("沧州市2020年科技活动周科普宣传专题活动", "沧州市", ["科技局"]),
    ("邢台市2020年科技活动周启动仪式和“大手牵小手科普进校园”专题科普活动", "邢台市", ["科技局"]),
    ("廊坊市2020年活动周启动仪式及系列科普活动", "廊坊市", ["科技局"]),
    ("衡水市2020年成果项目展示与技术推广专题科普活动", "衡水市", ["科技局"]),
    ("秦皇岛市2020年科技活动周开幕式（聚焦科技战疫成效：疫情防控知识科普活动）", "秦皇岛市", ["科技局"]),
    ("定州市2020年科技活动周启动仪式", "定州市", ["科技局"]),
    ("辛集市2020年科技活动周专题科普活动", "辛集市", ["科技局"]),
]
# 承德's plan line reads "承德市科技局及有关部门"; the demo records its 科技局 as host.

# Titles for generated activities, by Hebei focus area (index into HEBEI_FOCUS_AREAS) and
# national content area (index into NATIONAL_CONTENT_AREAS).
GENERATED_TOPICS = [
    ("新冠肺炎疫情防控知识科普讲座", 0, 0), ("科学防疫线上课堂", 0, 0), ("公共卫生与健康科普展", 0, 0),
    ("疫情防控科普知识网络竞答", 0, 0), ("抗疫一线故事分享会", 0, 0),
    ("青少年科普讲堂", 1, 2), ("中小学科普网络答题", 1, 2), ("科学实验进校园", 1, 2), ("优秀科普作品展映", 1, 1),
    ("人工智能体验日", 1, 1),
    ("科技下乡技术培训", 2, 3), ("农业实用技术直播课", 2, 3), ("科技扶贫成果展", 2, 3), ("特色种养殖技术指导", 2, 3),
    ("安全生产科普宣传", 3, 2), ("防灾减灾科普体验", 3, 2), ("消防安全知识讲座", 3, 2), ("新技术新产品展示", 3, 1),
]
CITY_UNIT_TEMPLATES = [("{city}科学技术馆", "museum"), ("{city}第一中学", "school"), ("{city}实验小学", "school"),
                       ("{city}农业科学研究院", "research_institute"), ("{city}融媒体中心", "media"),
                       ("{city}高新技术企业协会", "society")]

DEMO_PASSWORD = "SciWeek-demo-2020"  # noqa: S105 — the published demo password, demo accounts only
ROLES = ["admin", "reviewer", "filer", "liaison", "publicity", "statistician", "judge"]
# (username prefix, organization short name or name, level label)
DEMO_ACCOUNT_LEVELS = [
    ("national", NATIONAL_COMMITTEE, "全国"),
    ("hebei", HEBEI, "河北省"),
    ("sjz", "石家庄市", "石家庄市"),
    ("unit", "石家庄市科技信息研究所", "单位"),
]

# --- The live demo campaign --------------------------------------------------------------
# A second demo campaign for the year the demo is loaded in (D = the day `load_demo` runs, in
# Asia/Shanghai), so that on any day every journey can be walked. Its dates, relative to D:
#
#   D-30        the notice
#   D-1 .. D-1  warm-up (预热) sessions before the week: the campaign's activity window opens
#               at D-1 (Campaign.activities_from), so yesterday's session has ended (已结束)
#   D           today: a session under way with some visitors already checked in, so the door's
#               check-in page has people to let in; filing is open
#   D+2         the national filing deadline (filing time: today falls before it)
#   D+3 .. D+9  the week itself (starts in three days)
#   week end+12 Hebei's summary deadline; week end+23 the national one (as 2020: 08-29 → 09-10, 09-21)
#
# Every session of the coming days has seats; one is full with a waiting list. Hebei's
# filings stand at each review stage with real waiting times (days since submitted).
# Loading again on the same day changes nothing; on another day the live campaign is
# deleted and built again for that day (it is a playground: bookings and filings made in it
# go too). 2020 is never touched, and a campaign of the year that is not demo data neither.
LIVE_NOTICE = -30
LIVE_ACTIVITIES_FROM = -1
LIVE_WEEK_STARTS = 3
LIVE_WEEK_ENDS = 9
LIVE_FILING_DEADLINE = 2
LIVE_SUMMARY_AFTER_WEEK = {"hebei": 12, "national": 23}
LIVE_CAMPAIGN = {
    "name": "{year}年全国科技活动周",
    "theme": "科技创新 科普惠民",
    "notice_title": "关于举办{year}年全国科技活动周的通知（演示数据）",
    "notice_number": "演示〔{year}〕1号",
    "news_within_days": 3,
    "summary_video_max_seconds": 180,
}
LIVE_CONTENT_AREAS = ["展示科技创新成就", "弘扬科学家精神", "体验美好生活", "科技助力乡村振兴"]
LIVE_FLAGSHIPS = ["科学之夜活动", "科研机构和大学开放", "全国科普讲解大赛", "科技下乡集中示范活动", "全国优秀科普展品巡展"]
# (name, day offset, place, hosts)
LIVE_MAIN_VENUE_EVENTS = [
    ("启动式", LIVE_WEEK_STARTS, "北京（演示）", "科技部、中央宣传部、卫生健康委、中国科协"),
    ("闭幕式", LIVE_WEEK_ENDS, "北京（演示）", "科技部、中央宣传部、卫生健康委、中国科协"),
]
LIVE_HEBEI_PLAN = {"title": "{year}年河北省科技活动周工作方案（演示）", "theme": "科普惠民 创新河北"}
LIVE_HEBEI_FOCUS_AREAS = ["科普行动", "科技惠民", "乡村振兴"]

# Filings: (key, title, filing organization (name or short name), level, kind, format,
# first and last day (offsets from D), review stage, days since it was submitted, flagship
# number or None). Stages: draft; submitted (waiting at the first level, 石家庄市 for a
# unit); forwarded (passed by 石家庄市, waiting at 河北省); returned and rejected (with the
# reviewer's comment); approved (by every level of its review chain).
LIVE_FILINGS = [
    ("open_day", "石家庄市科技信息研究所科普开放日", "石家庄市科技信息研究所", "unit", "open_day", "onsite",
     -1, 4, "approved", 6, 2),
    ("science_night", "河北省科学技术馆“科学之夜”", "河北省科学技术馆", "provincial", "project", "onsite",
     4, 4, "approved", 8, 1),
    ("campus", "河北师范大学实验室开放日", "河北师范大学", "provincial", "open_day", "onsite", 3, 6, "approved", 7, 2),
    ("launch", "{year}年全省科技活动周启动仪式", "省科技厅", "provincial", "project", "hybrid", 3, 3, "approved", 9,
     None),
    ("cloud_class", "石家庄市科学技术馆“云上科学课”直播", "石家庄市科学技术馆", "unit", "project", "online",
     5, 5, "approved", 5, None),
    ("draft", "石家庄市科技信息研究所人工智能科普讲座", "石家庄市科技信息研究所", "unit", "project", "onsite",
     5, 5, "draft", None, None),
    ("at_city", "石家庄市实验小学“科学实验进校园”", "石家庄市实验小学", "unit", "project", "onsite",
     4, 4, "submitted", 2, None),
    ("at_city_today", "石家庄市农业科学研究院科技下乡技术培训", "石家庄市农业科学研究院", "unit", "project", "onsite",
     6, 6, "submitted", 0, 4),
    ("at_province", "石家庄市科学技术馆优秀科普展品巡展", "石家庄市科学技术馆", "provincial", "project", "onsite",
     3, 9, "forwarded", 3, 5),
    ("returned", "石家庄市科技信息研究所科技成果展", "石家庄市科技信息研究所", "unit", "project", "hybrid",
     7, 7, "returned", 3, None),
    ("rejected", "石家庄市高新技术企业协会新产品推介会", "石家庄市高新技术企业协会", "unit", "project", "onsite",
     8, 8, "rejected", 4, None),
]
LIVE_COMMENTS = {
    "returned": "请补充安全保障方案，并写明每场人数上限。",
    "rejected": "活动以产品推介为主，不符合科技活动周的公益科普要求。",
}
# Sessions: (filing key, day offset, start "HH:MM" or "now" (under way: began an hour
# before the demo was loaded), minutes, places (None: open entry), booked, checked in,
# waiting, largest group)
LIVE_SESSIONS = [
    ("open_day", -1, "09:30", 120, 30, 6, 4, 0, 1),   # yesterday: 已结束, 4 of 6 came
    ("open_day", 0, "now", 240, 30, 8, 3, 0, 1),      # today, under way: 5 still to let in
    ("open_day", 1, "09:30", 120, 30, 3, 0, 0, 1),    # tomorrow: seats left
    ("open_day", 2, "14:30", 120, 8, 8, 0, 2, 1),     # full, two on the waiting list
    ("open_day", 4, "09:30", 120, 30, 0, 0, 0, 1),
    ("science_night", 4, "19:00", 120, 100, 12, 0, 0, 10),
    ("campus", 3, "14:00", 120, 40, 5, 0, 0, 45),     # classes may book together
    ("campus", 6, "14:00", 120, 40, 0, 0, 0, 45),
    ("launch", 3, "09:00", 90, None, 0, 0, 0, 1),
    ("draft", 5, "14:00", 90, 50, 0, 0, 0, 1),
    ("at_city", 4, "10:00", 90, 60, 0, 0, 0, 45),
    ("at_city_today", 6, "09:00", 180, 80, 0, 0, 0, 1),
    ("at_province", 3, "09:00", 480, 200, 0, 0, 0, 1),
    ("returned", 7, "09:30", 120, 100, 0, 0, 0, 1),
    ("rejected", 8, "14:00", 120, 100, 0, 0, 0, 1),
]
# Members of the public who booked (phone numbers of no one: 1360000xxxx, demo only).
LIVE_VISITORS = 12
# The 2020 open days' visitors (loader.build_visits): more people than one session's places, so
# several came to more than one open day.
VISITORS_2020 = 160
VISITOR_2020_PHONE = "1370000{n:04d}"
LIVE_VISITOR_PHONE = "1360000{n:04d}"

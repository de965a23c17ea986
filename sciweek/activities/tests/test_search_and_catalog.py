"""Chinese search and catalog filters (same results on SQLite and PostgreSQL: the suite runs on both)."""
from datetime import date

import pytest

from sciweek.activities import catalog, search
from sciweek.activities.catalog import CatalogQuery
from sciweek.activities.models import Activity

pytestmark = pytest.mark.django_db


def titles(campaign, **kwargs):
    return set(catalog.search_catalog(campaign, CatalogQuery(**kwargs)).values_list("title", flat=True))


def test_segmentation_finds_words_inside_longer_titles(demo):
    found = titles(demo, q="疫情")
    assert found and all("疫情" in t for t in found)
    assert any("新冠肺炎疫情防控知识科普讲座" in t for t in found)
    assert "秦皇岛市2020年科技活动周开幕式（聚焦科技战疫成效：疫情防控知识科普活动）" in found


def test_multi_word_queries_need_every_word(demo):
    both = titles(demo, q="疫情 讲座")
    assert both and all("疫情" in t and "讲座" in t for t in both)
    assert titles(demo, q="人工智能") and all("人工智能" in t for t in titles(demo, q="人工智能"))


def test_search_covers_hosts_and_places(demo):
    found = titles(demo, q="省地震局")
    assert "开展科普地震监测线上直播活动" in found


def test_query_segmented_finer_than_the_index_still_matches(demo):
    assert titles(demo, q="新冠肺炎")  # indexed as 新冠 + 肺炎


def test_region_filter_by_division_codes(demo):
    hebei = catalog.search_catalog(demo, CatalogQuery(division="130000"))
    assert hebei.count() == 629
    sjz = titles(demo, division="130100")
    assert "石家庄市2020年科技活动周启动式及系列科普活动" in sjz
    assert "保定市2020年科技活动周启动式及校园科技嘉年华科普活动" not in sjz
    assert catalog.search_catalog(demo, CatalogQuery(division="130102")).count() >= 1
    assert catalog.search_catalog(demo, CatalogQuery(division="99")).count() == 0


def test_day_format_flagship_and_area_filters(demo):
    day = catalog.search_catalog(demo, CatalogQuery(day=date(2020, 8, 23)))
    assert day.exists() and all(a.starts_on <= date(2020, 8, 23) <= a.ends_on for a in day)
    week = catalog.search_catalog(demo, CatalogQuery(day=date(2020, 8, 23), days=7)).count()
    assert week >= day.count()
    online = catalog.search_catalog(demo, CatalogQuery(format="online"))
    assert not online.filter(format="onsite").exists()
    flagships = catalog.search_catalog(demo, CatalogQuery(flagship=True))
    assert flagships.exists() and not flagships.filter(flagship__isnull=True).exists()
    area = demo.content_areas.get(name="科技扶贫")
    assert all(area in a.content_areas.all() for a in catalog.search_catalog(demo, CatalogQuery(area=area.pk))[:20])


def test_only_public_activities_are_indexed_and_found(demo, org):
    draft = Activity.objects.filter(status="draft").first()
    Activity.objects.filter(pk=draft.pk).update(title="独一无二的草稿活动")
    search.reindex([draft.pk])
    assert not titles(demo, q="独一无二的草稿活动")


def test_deep_pages_are_bounded_in_queries(demo, django_assert_max_num_queries):
    qs = catalog.search_catalog(demo, CatalogQuery(division="130000"))
    with django_assert_max_num_queries(4):
        rows, total = catalog.page_of(qs, 32, per_page=20)
        [a.hosts_display for a in rows]
    assert total == 629 and len(rows) == 9  # 629 = 31 × 20 + 9: page 32 holds the last 9

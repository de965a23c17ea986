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


# --- bulk indexing and cached counts (issue 4, speed and scale) ------------------------------

def test_bulk_index_gives_the_tokens_of_the_whole_text(demo):
    """reindex reads flat rows and memoizes jieba per block; the tokens must be exactly those of
    segmenting each activity's whole searchable text at once."""
    from collections import defaultdict

    from sciweek.activities.models import SearchToken

    public = Activity.objects.filter(status__in=Activity.Status.PUBLIC)
    sample = public.order_by("pk")[:150]
    target = sample[0]
    Activity.objects.filter(pk=target.pk).update(other_hosts="河北省科学技术协会，石家庄市融媒体中心、 河北日报",
                                                 other_organizers="石家庄市科技局")
    ids = [a.pk for a in sample]
    search.reindex(ids)
    stored = defaultdict(set)
    for activity_id, token in SearchToken.objects.filter(activity_id__in=ids).values_list("activity_id", "token"):
        stored[activity_id].add(token)
    jieba = search._segmenter()
    activities = (public.filter(pk__in=ids).select_related("organization", "division__parent__parent", "flagship")
                  .prefetch_related("host_links__organization", "content_areas"))
    for activity in activities:
        whole = set(search._clean(jieba.cut_for_search(search.searchable_text(activity))))
        assert stored[activity.pk] == whole, activity.title
    assert search.index_tokens("河北日报 融媒体中心 石家庄市科技局") <= stored[target.pk]


def test_catalog_counts_are_cached_until_a_filing_changes(demo, django_assert_num_queries):
    from sciweek.activities.models import ActivityHost
    from sciweek.organizations.models import Organization

    query = CatalogQuery(division="130000")
    assert catalog.count(demo, query) == 629
    with django_assert_num_queries(1):  # the data version only, not the count
        assert catalog.count(demo, query) == 629
    unit = Organization.objects.get(name="石家庄市科技信息研究所")
    added = Activity.objects.create(campaign=demo, title="缓存计数测试活动", organization=unit, division_id="130102",
                                    status=Activity.Status.APPROVED, starts_on=date(2020, 8, 24),
                                    ends_on=date(2020, 8, 24))
    ActivityHost.objects.create(activity=added, organization=unit)
    assert catalog.count(demo, query) == 630  # a new filing changes the data version
    added.status = Activity.Status.DRAFT
    added.save()
    assert catalog.count(demo, query) == 629
    search.reindex([added.pk])  # a rebuilt index also invalidates (a search count may change)
    with django_assert_num_queries(2):
        assert catalog.count(demo, query) == 629


def test_bookable_counts_are_never_cached(demo, django_assert_num_queries):
    query = CatalogQuery(bookable=True)
    catalog.count(demo, query)
    with django_assert_num_queries(1):  # counted again: seats and the clock change it
        catalog.count(demo, query)


def test_catalog_page_queries_do_not_grow_with_rows_or_depth(demo, django_assert_num_queries):
    for page, per_page in ((1, 10), (1, 100), (30, 20)):
        catalog.catalog_page(demo, CatalogQuery(), page, per_page)  # count now cached
        with django_assert_num_queries(4):  # version, ids, rows, hosts
            rows, total = catalog.catalog_page(demo, CatalogQuery(), page, per_page)
        assert total == 643 and len(rows) == min(per_page, total - (page - 1) * per_page)
    with django_assert_num_queries(1):  # past the last page: no id scan at all
        assert catalog.catalog_page(demo, CatalogQuery(), 99, 20) == ([], 643)


def test_catalog_page_keeps_the_default_order(demo):
    rows, _ = catalog.catalog_page(demo, CatalogQuery(), 2, 20)
    expected = list(catalog.search_catalog(demo, CatalogQuery()).values_list("pk", flat=True)[20:40])
    assert [a.pk for a in rows] == expected
    keys = [(a.starts_on, a.pk) for a in rows]
    assert keys == sorted(keys)

"""`sciweek create_api_token USERNAME`: issue a bearer token for the JSON API and print it once."""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sciweek.api.models import ApiToken


class Command(BaseCommand):
    help = "为用户生成接口访问令牌（只显示一次）/ Issue an API bearer token for a user (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="用途说明，如“小程序测试” / what the token is for")
        parser.add_argument("--days", type=int, default=90,
                            help="有效天数，0 表示长期有效（默认 90）/ days until it expires, 0 = never")

    def handle(self, *args, username, name, days, **options):
        if days < 0:
            raise CommandError("--days must be 0 or more")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户 {username} 不存在 / no such user")
        if not user.is_active:
            raise CommandError(f"用户 {username} 已停用 / the user is inactive")
        token, key = ApiToken.issue(user, name=name[:64], days=days or None)
        expiry = timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M") if token.expires_at else "长期有效"
        # The token alone on stdout (scripts can capture it); the explanation on stderr.
        self.stderr.write(f"已为 {username} 生成访问令牌 {token.prefix}…（有效期至 {expiry}）。"
                          "令牌只显示这一次，请立即妥善保存；丢失后只能重新生成。")
        self.stdout.write(key)

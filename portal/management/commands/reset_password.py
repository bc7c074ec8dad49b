from django.core.management.base import BaseCommand, CommandError

from portal.models import User
from portal.services import user_reset_password_on_server


class Command(BaseCommand):
    help = ("Give an account (an administrator's too) a new random password, printed here once; the holder must "
            "change it at first sign-in and the account's API tokens end. For the server's operator; audited.")

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"账号 {username} 不存在。 No account {username}.")
        password = user_reset_password_on_server(user=user)
        self.stdout.write(f"{username} 的新密码（仅显示一次，首次登录须修改） / new password (shown once): {password}")

"""API token authentication: `Authorization: Token <key>` (or `Bearer <key>`). The token must be live
(portal.models.ApiToken: not revoked, not past its absolute lifetime, not idle too long), its account active,
and an account that must change its initial password is refused like on the web."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from portal import services

KEYWORDS = (b"token", b"bearer")


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: give the key after the word Token."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        token = services.api_token_authenticate(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is invalid, expired or revoked. Request a new one."))
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("This account is disabled."))
        if user.must_change_password:
            raise exceptions.PermissionDenied(_("Please change your initial password before continuing."))
        return user, token

    def authenticate_header(self, request):
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization",
                "description": "Token <key>, from POST /api/v1/auth/token/"}

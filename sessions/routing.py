from django.urls import path

from . import consumers, consumers_review

websocket_urlpatterns = [
    path("ws/sessions/<int:session_id>/", consumers.SessionConsumer.as_asgi()),
    path("ws/reviews/<int:session_id>/", consumers_review.ReviewConsumer.as_asgi()),
]

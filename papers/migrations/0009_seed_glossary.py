from django.db import migrations

TERMS = [
    ("agent", "智能体", ["代理"]),
    ("retrieval-augmented generation", "检索增强生成", ["RAG"]),
    ("hallucination", "幻觉", []),
    ("large language model", "大语言模型", ["大型语言模型", "大模型"]),
    ("fine-tuning", "微调", ["精调"]),
    ("reinforcement learning", "强化学习", []),
    ("benchmark", "基准", ["基准测试", "评测基准"]),
    ("instruction tuning", "指令微调", ["指令调优"]),
]


def add(apps, schema_editor):
    GlossaryTerm = apps.get_model("papers", "GlossaryTerm")
    for en, zh, variants in TERMS:
        GlossaryTerm.objects.get_or_create(term_en=en, defaults={"term_zh": zh, "variants": variants})


def remove(apps, schema_editor):
    apps.get_model("papers", "GlossaryTerm").objects.filter(term_en__in=[t[0] for t in TERMS]).delete()


class Migration(migrations.Migration):
    dependencies = [("papers", "0008_glossary")]
    operations = [migrations.RunPython(add, remove)]
